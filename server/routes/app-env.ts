import type { DriverRegistry } from '../../drivers/registry.ts';
import type { Engine } from '../engine/engine.ts';
import type { QueueLimits, RunStreamHub } from '../live/run-stream-hub.ts';
import type { Store } from '../store/store.ts';

/** What `createApp` is built from. */
export interface AppDeps {
  store: Store;
  drivers: DriverRegistry;
  /** Runs' working directories live under `<dataDir>/runs/`. */
  dataDir: string;
  runbooksDir: string;
  datacentresDir: string;
  now?: () => Date;
  /** Where secrets are looked up first (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * When set, every request needs it: `Authorization: Bearer <token>`, or the cookie a browser gets by opening
   * a page once with `?token=<token>`.
   */
  token?: string;
  /** The web notebook's folder (index.html, dist/); without it only the API is served. */
  webDir?: string;
  /** Largest request body in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** How much a live viewer may fall behind before it reads the store instead (defaults: 2000 events, 8 MiB). */
  streamQueue?: Partial<QueueLimits>;
  /** How long a live stream may stay silent before it sends `event: ping` (default 15 s). */
  streamPingMs?: number;
}

/** The app's services, reachable from every handler as `c.var.services`. */
export interface Services extends AppDeps {
  now: () => Date;
  engine: Engine;
  hub: RunStreamHub;
}

/** The Hono environment of stackbook's API. */
export interface AppEnv {
  Variables: {
    services: Services;
    /** Who makes the request, for the audit trail (`X-Stackbook-User`, else `api`). */
    who: string;
  };
}
