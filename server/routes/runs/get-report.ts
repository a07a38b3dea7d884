import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerGetReport(_app: App): void {}
