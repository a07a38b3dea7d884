import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerExecuteRun(_app: App): void {}
