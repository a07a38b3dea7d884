import type { DriverLookup } from '../../drivers/registry.ts';

const DRIVERS: Record<string, { name: string; body: 'script' | 'yaml' }> = {
  sh: { name: 'sh', body: 'script' },
  bash: { name: 'sh', body: 'script' },
  manual: { name: 'manual', body: 'yaml' },
  ipmi: { name: 'ipmi', body: 'yaml' },
};

/** A driver lookup for parser tests: sh (alias bash), manual, and a typed `ipmi` word. */
export const testDrivers: DriverLookup = {
  resolve: (word) => DRIVERS[word],
  names: () => ['sh', 'manual', 'ipmi'],
};
