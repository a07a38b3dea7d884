import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerPutDatacentre(_app: App): void {}
