import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerGetRunbook(_app: App): void {}
