import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerListEvents(_app: App): void {}
