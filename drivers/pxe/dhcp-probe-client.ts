/**
 * The DHCP client half of the rogue-DHCP probe, run by `dhcp-probe.ts` as its own process inside the probe's
 * network namespace (`ip netns exec`), where the probe's interface is the only one:
 *
 *   discover --mac MAC --timeout MS [--pxe]   broadcasts a DHCPDISCOVER from 0.0.0.0:68 (again every 2 s) and
 *                                            prints one JSON line per reply for it until the time is up
 *   touch IP…                                 sends one datagram to each address's discard port, so the
 *                                            kernel resolves (ARP) their MACs, then waits a moment
 *
 * It starts no process and only prints; everything else (namespaces, links) is the parent's.
 */
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { decodeReply, encodeDiscover } from './dhcp-packet.ts';

const RETRANSMIT_MS = 2000;

async function discover(mac: string, timeoutMs: number, pxe: boolean): Promise<void> {
  const xid = randomBytes(4).readUInt32BE(0);
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(68, '0.0.0.0', () => resolve());
  });
  socket.setBroadcast(true);
  socket.on('message', (packet, from) => {
    const reply = decodeReply(packet);
    if (!reply || reply.xid !== xid || reply.mac !== mac) return;
    process.stdout.write(`${JSON.stringify({ ...reply, sourceIp: from.address, sourcePort: from.port })}\n`);
  });
  const packet = encodeDiscover({ xid, mac, pxe });
  const send = () =>
    socket.send(packet, 67, '255.255.255.255', (error) => {
      if (error) process.stderr.write(`send: ${error.message}\n`);
    });
  send();
  const again = setInterval(send, RETRANSMIT_MS);
  await new Promise((resolve) => setTimeout(resolve, timeoutMs));
  clearInterval(again);
  socket.close();
}

async function touch(addresses: string[]): Promise<void> {
  const socket = dgram.createSocket('udp4');
  socket.on('error', () => undefined);
  for (const address of addresses) socket.send(Buffer.from('stackbook dhcp probe'), 9, address);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.close();
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { mac: { type: 'string' }, timeout: { type: 'string' }, pxe: { type: 'boolean' } },
});
const [command, ...rest] = positionals;
if (command === 'discover' && values.mac && values.timeout) {
  await discover(values.mac, Number(values.timeout), values.pxe ?? false);
} else if (command === 'touch') {
  await touch(rest);
} else {
  process.stderr.write('usage: dhcp-probe-client discover --mac MAC --timeout MS [--pxe] | touch IP...\n');
  process.exitCode = 2;
}
