import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerListLeases(_app: App): void {}
