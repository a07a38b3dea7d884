import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerListDatacentres(_app: App): void {}
