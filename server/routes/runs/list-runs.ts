import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerListRuns(_app: App): void {}
