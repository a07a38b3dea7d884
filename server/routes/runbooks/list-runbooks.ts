import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerListRunbooks(_app: App): void {}
