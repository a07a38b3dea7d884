import { isIP } from 'node:net';
import { StackbookError } from '../../server/stackbook-error.ts';
import { findProgram } from '../find-program.ts';
import { followLines } from '../follow-lines.ts';
import { resolveTargets, targetNames } from '../machine-targets.ts';
import type { Driver, DriverContext, MachineProgress, PlannedAction } from '../types.ts';
import { BootWatch } from './boot-watch.ts';
import { foreignOffers, probeDhcp } from './dhcp-probe.ts';
import { followDnsmasqLog } from './dnsmasq-log.ts';
import { ipJson } from './netns.ts';
import { pxeArgsSchema, pxeResultSchema, type PxeArgs, type PxeMachine, type PxeResult } from './pxe-args.ts';
import { macsOf, PxeService, type PxeEndpoint } from './pxe-service.ts';
import type { TftpTransfer } from './tftp-server.ts';

type Args<Action extends PxeArgs['action']> = Extract<PxeArgs, { action: Action }>;

/** The interface and namespace a cell names, or the datacentre's network. */
function placeOf(args: { interface?: string; namespace?: string }, ctx: DriverContext) {
  const network = ctx.datacentre.network;
  const iface = args.interface ?? network?.bridge ?? network?.interface;
  if (!iface)
    throw new StackbookError(
      'BAD_ARGUMENT',
      'no interface: name one, or set network.bridge or network.interface',
      {
        details: { field: 'interface' },
      },
    );
  const namespace = args.namespace ?? network?.namespace;
  return { interface: iface, ...(namespace ? { namespace } : {}) };
}

const toInt = (ip: string) => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');

/** Our address on the interface, as the kernel has it: the one asked for, or the first in `network.cidr`. */
async function endpointOf(args: Args<'serve'>, ctx: DriverContext): Promise<PxeEndpoint> {
  const place = placeOf(args, ctx);
  const links = await ipJson<{ addr_info?: { family: string; local: string; prefixlen: number }[] }[]>(
    ['-4', 'addr', 'show', 'dev', place.interface],
    place,
  );
  const addresses = links.flatMap((link) => link.addr_info ?? []).filter((info) => info.family === 'inet');
  const cidr = ctx.datacentre.network?.cidr;
  const inCidr = (ip: string) => {
    if (!cidr) return true;
    const [base, bits] = cidr.split('/');
    const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
    return (toInt(ip) & mask) >>> 0 === (toInt(base!) & mask) >>> 0;
  };
  const chosen = args.address
    ? addresses.find((info) => info.local === args.address)
    : addresses.find((info) => inCidr(info.local));
  if (!chosen)
    throw new StackbookError(
      'DRIVER_ERROR',
      args.address
        ? `${args.address} is not an address of ${place.interface}`
        : `${place.interface} has no IPv4 address${cidr ? ` in ${cidr}` : ''}`,
    );
  const mask = chosen.prefixlen === 0 ? 0 : (0xffffffff << (32 - chosen.prefixlen)) >>> 0;
  return {
    ...place,
    address: chosen.local,
    netmask: toIp(mask),
    network: toIp((toInt(chosen.local) & mask) >>> 0),
  };
}

async function running(ctx: DriverContext): Promise<PxeService> {
  const service = await PxeService.load(ctx.siteDir);
  if (!service)
    throw new StackbookError(
      'REFUSED',
      `no PXE service runs for ${ctx.datacentre.name}: run a pxe cell with action: serve first`,
    );
  return service;
}

function targetsOf(args: { machines: (string | PxeMachine)[]; labels?: string[] }, ctx: DriverContext) {
  return resolveTargets(args.machines, args.labels, ctx.datacentre).map((machine) => ({
    name: machine.name,
    macs: macsOf(machine.mac),
  }));
}

/** Every machine's DHCP and TFTP events until each has fetched its boot files, or the time is up. */
async function waitBoot(args: Args<'wait-boot'>, ctx: DriverContext): Promise<PxeResult> {
  const service = await running(ctx);
  const names = targetsOf(args, ctx).map((machine) => machine.name);
  const unconfigured = names.filter((name) => !service.machines[name]);
  if (unconfigured.length)
    throw new StackbookError(
      'REFUSED',
      `not configured for PXE: ${unconfigured.join(', ')} (run configure-machines first)`,
    );
  const configured = names.map((name) => ({ name, ...service.machines[name]! }));
  const watch = new BootWatch(configured);
  const total = configured.length;
  const report = (machines: Record<string, MachineProgress>) =>
    ctx.progress({
      done: watch.machines.filter((machine) => machine.done).length,
      total,
      unit: 'machines',
      label: 'netboot',
      machines,
    });
  report(
    Object.fromEntries(
      configured.map((machine) => [machine.name, { state: 'queued', message: 'waiting for DHCP' }]),
    ),
  );
  const step = (seen: { machine: string; message: string; done: boolean } | undefined) => {
    if (!seen) return;
    void ctx.log('stdout', `${seen.machine}: ${seen.message}\n`);
    report({ [seen.machine]: { state: seen.done ? 'succeeded' : 'running', message: seen.message } });
  };
  const from = {
    dhcp: Math.min(...configured.map((machine) => machine.from.dhcp)),
    tftp: Math.min(...configured.map((machine) => machine.from.tftp)),
  };
  // DHCP first: a transfer is matched to a machine by the address DHCP gave it.
  const dhcp = followDnsmasqLog(service.dnsmasq.files.log, (event) => step(watch.dhcp(event)), {
    fromOffset: from.dhcp,
  });
  // Transfers wait until the DHCP log has been read up to the moment they were seen: dnsmasq logs an
  // exchange before it answers, so a machine's DHCP lines then come before its files, as they happened
  // (the log's parser may hold an exchange's last message until the log goes quiet).
  const transfers: TftpTransfer[] = [];
  const tftp = followLines(
    service.paths.tftpEvents,
    (line) => {
      if (!line.trim()) return;
      try {
        transfers.push(JSON.parse(line) as TftpTransfer);
      } catch {
        // A line the daemon was writing when it stopped.
      }
    },
    { fromOffset: from.tftp, intervalMs: 60_000 },
  );
  const reportTransfers = () => {
    for (const transfer of transfers.splice(0)) step(watch.tftp(transfer));
  };
  const deadline = Date.now() + (args.timeout ?? 300_000);
  try {
    while (!watch.done && Date.now() < deadline && !ctx.signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await tftp.readNow();
      if (!transfers.length) continue;
      await dhcp.catchUp();
      reportTransfers();
    }
  } finally {
    await tftp.stop();
    await dhcp.stop();
    reportTransfers();
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const machines = watch.machines.map((machine) => {
    const missing = machine.needs.filter((file) => !machine.fetched.includes(file));
    const why = !machine.dhcp.length
      ? 'no DHCP request was seen from its MACs'
      : !machine.ip
        ? `DHCP went ${machine.dhcp.join(' → ')}, but no address was given`
        : `it got ${machine.ip} but did not fetch ${missing.join(', ')}${machine.missed.length ? ` (refused: ${machine.missed.join(', ')})` : ''}`;
    return {
      name: machine.name,
      ok: machine.done,
      ...(machine.ip ? { ip: machine.ip } : {}),
      dhcp: machine.dhcp,
      fetched: machine.fetched,
      ...(machine.done ? {} : { error: { kind: 'timeout', message: why } }),
    };
  });
  for (const machine of machines.filter((m) => !m.ok))
    report({ [machine.name]: { state: 'failed', error: machine.error!.message } });
  const failed = machines.filter((machine) => !machine.ok);
  const result = { action: 'wait-boot', machines, succeeded: total - failed.length, failed: failed.length };
  if (failed.length)
    throw new StackbookError(
      'MACHINES_FAILED',
      `${failed.length} of ${total} machines did not netboot in time: ${failed.map((m) => m.name).join(', ')}`,
      { result },
    );
  return result;
}

/**
 * `pxe` cells: stackbook as the PXE service of a broadcast domain — its own TFTP server and dnsmasq for DHCP
 * (or proxy-DHCP), per-machine pxelinux and iPXE files, a watch of each machine's netboot, and a probe for
 * other DHCP servers on the wire ("the network node must be the only DHCP server").
 */
export const pxeDriver: Driver<PxeArgs, PxeResult> = {
  name: 'pxe',
  summary:
    'PXE for the datacentre: TFTP, DHCP (dnsmasq), per-machine boot files, netboot watch, rogue-DHCP probe',
  body: 'yaml',
  args: pxeArgsSchema,
  result: pxeResultSchema,
  leases(args) {
    if ('machines' in args && args.action !== 'wait-boot')
      return targetNames(args.machines, args.labels).map((name) => `machine:${name}`);
    return ['serve', 'stop'].includes(args.action) ? ['pxe-service'] : [];
  },

  async validate(args, ctx) {
    if (args.action === 'serve' || args.action === 'probe-dhcp') placeOf(args, ctx);
    if (args.action === 'serve') {
      if (args.address !== undefined && isIP(args.address) !== 4)
        throw new StackbookError('BAD_ARGUMENT', `address ${args.address} is not an IPv4 address`, {
          details: { field: 'address' },
        });
      if (args.mode === 'range' && !(args.dhcp_range ?? ctx.datacentre.network?.dhcp_range))
        throw new StackbookError(
          'BAD_ARGUMENT',
          'range mode needs dhcp_range, here or in network.dhcp_range',
          {
            details: { field: 'dhcp_range' },
          },
        );
      for (const program of ['dnsmasq', 'ip'])
        if (!(await findProgram(program)))
          throw new StackbookError(
            'DRIVER_ERROR',
            `${program} is not installed (Debian: dnsmasq-base, iproute2)`,
          );
    }
    if ('machines' in args)
      for (const machine of targetsOf(args, ctx))
        if (!machine.macs.length)
          throw new StackbookError('BAD_ARGUMENT', `machine ${machine.name} has no MAC`);
  },

  plan(args, ctx) {
    const note = (summary: string): PlannedAction => ({ kind: 'note', summary });
    switch (args.action) {
      case 'serve': {
        const place = placeOf(args, ctx);
        const range = args.dhcp_range ?? ctx.datacentre.network?.dhcp_range;
        const where = `${place.interface}${place.namespace ? ` in namespace ${place.namespace}` : ''}`;
        return [
          note(
            `start stackbook tftp-serve on ${args.address ?? `the address of ${where}`}, port ${args.tftp_port}`,
          ),
          note(
            `start dnsmasq on ${where}: ${args.mode === 'proxy' ? 'proxy-DHCP' : `addresses ${range?.join('–')}`}, ${args.ignore_unknown ? 'only configured machines' : 'any machine'}, BIOS pxelinux.0 / iPXE boot.ipxe`,
          ),
        ];
      }
      case 'configure-machines':
        return targetsOf(args, ctx).map((machine) =>
          note(
            `${machine.name}: pxelinux and iPXE files for ${machine.macs.join(', ')} booting ${args.kernel}${args.initrd ? ` + ${args.initrd}` : ''}; dnsmasq learns its MACs (reload)`,
          ),
        );
      case 'release-machines':
        return targetsOf(args, ctx).map((machine) =>
          note(`${machine.name}: remove its boot files; dnsmasq forgets ${machine.macs.join(', ')}`),
        );
      case 'wait-boot':
        return [
          note(
            `wait until ${targetsOf(args, ctx)
              .map((m) => m.name)
              .join(', ')} fetched their boot files over TFTP`,
          ),
        ];
      case 'probe-dhcp': {
        const place = placeOf(args, ctx);
        return [
          note(
            `send a DHCPDISCOVER on ${place.interface}${place.namespace ? ` in ${place.namespace}` : ''} and list every server that offers`,
          ),
        ];
      }
      default:
        return [note(args.action === 'stop' ? 'stop TFTP and dnsmasq by pid' : 'report the PXE service')];
    }
  },

  async run(args, ctx) {
    switch (args.action) {
      case 'serve': {
        const existing = await PxeService.load(ctx.siteDir);
        const alive = existing?.alive();
        if (existing && alive?.tftp && alive.dhcp) {
          await ctx.log(
            'log',
            `the PXE service already runs on ${existing.endpoint.interface} (${existing.endpoint.address})\n`,
          );
          return {
            action: 'serve',
            ...existing.endpoint,
            mode: existing.mode,
            tftp: existing.tftp,
            dhcp: { pid: existing.dnsmasq.pid },
            already: true,
          };
        }
        await existing?.stop();
        const endpoint = await endpointOf(args, ctx);
        const range = args.dhcp_range ?? ctx.datacentre.network?.dhcp_range;
        const service = await PxeService.start(ctx.siteDir, {
          endpoint,
          mode: args.mode,
          ...(range ? { range: [range[0], range[1]] as [string, string] } : {}),
          ignoreUnknown: args.ignore_unknown,
          routerAdvertisements: args.router_advertisements,
          tftpPort: args.tftp_port,
        });
        await ctx.log(
          'stdout',
          `TFTP on ${endpoint.address}:${args.tftp_port} (pid ${service.tftp.pid}), DHCP on ${endpoint.interface} (dnsmasq pid ${service.dnsmasq.pid})\n`,
        );
        return {
          action: 'serve',
          ...endpoint,
          mode: args.mode,
          tftp: service.tftp,
          dhcp: { pid: service.dnsmasq.pid },
          already: false,
        };
      }
      case 'configure-machines': {
        const service = await running(ctx);
        const machines = targetsOf(args, ctx);
        const written = await service.configure(machines, {
          kernel: args.kernel,
          ...(args.initrd ? { initrd: args.initrd } : {}),
          ...(args.command_line ? { commandLine: args.command_line } : {}),
          ...(args.image_url ? { imageUrl: args.image_url } : {}),
        });
        for (const machine of machines)
          await ctx.log('stdout', `${machine.name}: ${written[machine.name]!.join(', ')}\n`);
        return {
          action: 'configure-machines',
          machines: machines.map((machine) => ({
            name: machine.name,
            ok: true,
            macs: machine.macs,
            files: written[machine.name]!,
          })),
          kernel: service.machines[machines[0]!.name]!.kernel,
        };
      }
      case 'release-machines': {
        const service = await running(ctx);
        const names = targetsOf(args, ctx).map((machine) => machine.name);
        const released = await service.release(names);
        await ctx.log('stdout', `released ${released.join(', ') || 'nothing'}\n`);
        return {
          action: 'release-machines',
          machines: names.map((name) => ({ name, ok: true, released: released.includes(name) })),
        };
      }
      case 'wait-boot':
        return waitBoot(args, ctx);
      case 'status': {
        const service = await PxeService.load(ctx.siteDir);
        if (!service) return { action: 'status', running: false };
        const alive = service.alive();
        await ctx.log(
          'stdout',
          `TFTP ${alive.tftp ? 'up' : 'DOWN'}, DHCP ${alive.dhcp ? 'up' : 'DOWN'}, ${Object.keys(service.machines).length} machines configured\n`,
        );
        return {
          action: 'status',
          running: alive.tftp && alive.dhcp,
          ...service.endpoint,
          mode: service.mode,
          tftp: { ...service.tftp, alive: alive.tftp },
          dhcp: { pid: service.dnsmasq.pid, alive: alive.dhcp },
          configured: Object.keys(service.machines),
        };
      }
      case 'stop': {
        const service = await PxeService.load(ctx.siteDir);
        await service?.stop();
        await ctx.log('stdout', service ? 'stopped TFTP and DHCP\n' : 'no PXE service was running\n');
        return { action: 'stop', stopped: Boolean(service) };
      }
      case 'probe-dhcp': {
        const place = placeOf(args, ctx);
        const service = await PxeService.load(ctx.siteDir);
        const probe = await probeDhcp({ ...place, ...(args.timeout ? { timeoutMs: args.timeout } : {}) });
        const ours = [...(service ? [service.endpoint.address] : []), ...args.allow];
        const foreign = foreignOffers(probe.offers, ours);
        for (const offer of probe.offers)
          await ctx.log(
            'stdout',
            `${offer.serverId ?? offer.sourceIp}${offer.sourceMac ? ` (${offer.sourceMac})` : ''} offers ${offer.offeredIp}${offer.proxy ? ' (proxy)' : ''}${foreign.includes(offer) ? ' — NOT OURS' : ''}\n`,
          );
        if (!probe.offers.length)
          await ctx.log(
            'stdout',
            `no DHCP server answered a stranger's DHCPDISCOVER on ${place.interface} within ${((args.timeout ?? 6000) / 1000).toFixed(0)} s: no rogue server${service ? ' (ours answers only the machines it knows)' : ''}\n`,
          );
        const result = { action: 'probe-dhcp', offers: probe.offers, foreign: foreign.length };
        if (foreign.length)
          throw new StackbookError(
            'DRIVER_ERROR',
            `another DHCP server answers on ${place.interface}: ${foreign.map((offer) => offer.serverId ?? offer.sourceIp).join(', ')}`,
            { result },
          );
        return result;
      }
    }
  },
};
