import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerExecuteCell(_app: App): void {}
