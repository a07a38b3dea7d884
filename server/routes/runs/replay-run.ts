import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerReplayRun(_app: App): void {}
