/** How the datacentre editor shows `machines`: a table with the nodes.json fields an operator checks first. */
import type { TableOptions } from '../sb-schema-form/sb-schema-form.ts';

const COPIED_FIELDS = ['pm_type', 'pm_user', 'pm_password', 'arch'];

/**
 * A new machine copies the BMC type, user, password secret and architecture of the last one (sites use
 * one BMC account for all), and gets a name not yet taken; MACs and the BMC address are the operator's.
 */
export function newMachine(items: unknown[]): Record<string, unknown> {
  const last = (items.at(-1) ?? {}) as Record<string, unknown>;
  const names = new Set(items.map((item) => (item as Record<string, unknown> | null)?.name));
  let n = items.length;
  while (names.has(`machine-${n}`)) n++;
  const copied = Object.fromEntries(
    COPIED_FIELDS.filter((key) => last[key] !== undefined).map((key) => [key, last[key]]),
  );
  return {
    name: `machine-${n}`,
    mac: [],
    arch: 'x86_64',
    pm_type: 'ipmi',
    pm_addr: '',
    pm_user: '',
    pm_password: { secret: 'IPMI_PASSWORD' },
    ...copied,
  };
}

/** The `tables` option of the datacentre's schema form. */
export const MACHINE_TABLE: Record<string, TableOptions> = {
  machines: {
    columns: ['name', 'mac', 'pm_addr', 'pm_port', 'pm_user', 'pm_password', 'arch', 'cpu', 'memory', 'disk'],
    itemLabel: 'machine',
    rowTestId: 'dc-machine-row',
    addTestId: 'dc-add-machine',
    newItem: newMachine,
  },
};
