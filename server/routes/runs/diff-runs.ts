import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerDiffRuns(_app: App): void {}
