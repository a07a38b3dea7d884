import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerCancelRun(_app: App): void {}
