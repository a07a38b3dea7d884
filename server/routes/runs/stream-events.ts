import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerStreamEvents(_app: App): void {}
