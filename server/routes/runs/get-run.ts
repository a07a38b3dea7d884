import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerGetRun(_app: App): void {}
