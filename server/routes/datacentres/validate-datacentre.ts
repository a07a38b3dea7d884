import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerValidateDatacentre(_app: App): void {}
