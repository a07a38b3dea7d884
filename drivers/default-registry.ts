import { ipmiDriver } from './ipmi/ipmi-driver.ts';
import { manualDriver } from './manual/manual-driver.ts';
import { pxeDriver } from './pxe/pxe-driver.ts';
import { DriverRegistry } from './registry.ts';
import { shDriver } from './sh/sh-driver.ts';

/** The registry with every driver stackbook ships. */
export function defaultRegistry(): DriverRegistry {
  return new DriverRegistry([shDriver, manualDriver, ipmiDriver, pxeDriver]);
}
