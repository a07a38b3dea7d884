import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerGetDatacentre(_app: App): void {}
