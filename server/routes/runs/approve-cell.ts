import type { App } from '../../app.ts';

/** Placeholder until the endpoint lands. */
export function registerApproveCell(_app: App): void {}
