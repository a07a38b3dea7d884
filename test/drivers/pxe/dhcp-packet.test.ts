import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeReply, encodeDiscover, PXE_VENDOR_CLASS } from '../../../drivers/pxe/dhcp-packet.ts';

/** The options of a packet, by code. */
function options(packet: Buffer): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  for (let at = 240; packet[at] !== 255; at += 2 + packet[at + 1]!)
    found.set(packet[at]!, packet.subarray(at + 2, at + 2 + packet[at + 1]!));
  return found;
}

/** A server's answer to `request`, built the way a DHCP server lays it out. */
function offer(
  request: Buffer,
  fields: { yiaddr: string; siaddr: string; file?: string },
  opts: [number, Buffer][],
): Buffer {
  const packet = Buffer.from(request);
  packet[0] = 2;
  const ip = (text: string) => Buffer.from(text.split('.').map(Number));
  ip(fields.yiaddr).copy(packet, 16);
  ip(fields.siaddr).copy(packet, 20);
  packet.fill(0, 108, 236);
  if (fields.file) packet.write(fields.file, 108, 'latin1');
  packet.fill(0, 240);
  let at = 240;
  for (const [code, value] of opts) {
    packet[at++] = code;
    packet[at++] = value.length;
    value.copy(packet, at);
    at += value.length;
  }
  packet[at] = 255;
  return packet;
}

describe('DHCP packets', () => {
  it('encodes a broadcast DISCOVER, as a PXE client when asked', () => {
    const plain = encodeDiscover({ xid: 0xdeadbeef, mac: '02:00:00:aa:bb:cc' });
    assert.equal(plain[0], 1);
    assert.equal(plain.readUInt32BE(4), 0xdeadbeef);
    assert.equal(plain.readUInt16BE(10), 0x8000, 'broadcast flag');
    assert.deepEqual([...plain.subarray(28, 34)], [2, 0, 0, 0xaa, 0xbb, 0xcc]);
    assert.equal(plain.readUInt32BE(236), 0x63825363);
    assert.deepEqual([...options(plain).get(53)!], [1]);
    assert.equal(options(plain).has(60), false);
    const pxe = options(encodeDiscover({ xid: 1, mac: '02:00:00:aa:bb:cc', pxe: true }));
    assert.equal(pxe.get(60)?.toString(), PXE_VENDOR_CLASS);
    assert.deepEqual([...pxe.get(93)!], [0, 0]);
    assert.equal(pxe.get(97)?.length, 17);
  });

  it('decodes offers from DHCP, proxy-DHCP and BOOTP servers, and nothing else', () => {
    const request = encodeDiscover({ xid: 42, mac: '02:00:00:aa:bb:cc', pxe: true });
    const ip = (text: string) => Buffer.from(text.split('.').map(Number));
    const dhcp = decodeReply(
      offer(request, { yiaddr: '10.0.0.50', siaddr: '10.0.0.2' }, [
        [53, Buffer.from([2])],
        [54, ip('10.0.0.2')],
        [1, ip('255.255.255.0')],
        [3, ip('10.0.0.254')],
        // Option 67 split in two pieces (RFC 3396), joined on decoding.
        [67, Buffer.from('pxeli')],
        [67, Buffer.from('nux.0')],
      ]),
    );
    assert.deepEqual(dhcp, {
      xid: 42,
      mac: '02:00:00:aa:bb:cc',
      messageType: 'DHCPOFFER',
      offeredIp: '10.0.0.50',
      nextServer: '10.0.0.2',
      serverId: '10.0.0.2',
      bootFile: 'pxelinux.0',
      router: '10.0.0.254',
      netmask: '255.255.255.0',
    });
    const proxy = decodeReply(
      offer(request, { yiaddr: '0.0.0.0', siaddr: '0.0.0.0' }, [
        [53, Buffer.from([2])],
        [54, ip('10.0.0.1')],
        [60, Buffer.from('PXEClient')],
      ]),
    );
    assert.equal(proxy?.offeredIp, '0.0.0.0');
    assert.equal(proxy?.vendorClass, 'PXEClient');
    const bootp = decodeReply(
      offer(request, { yiaddr: '10.0.0.60', siaddr: '10.0.0.3', file: 'boot/x.0' }, []),
    );
    assert.equal(bootp?.messageType, 'BOOTREPLY');
    assert.equal(bootp?.bootFile, 'boot/x.0');
    assert.equal(decodeReply(request), undefined, 'a request is no reply');
    assert.equal(decodeReply(Buffer.alloc(100)), undefined);
    const truncated = offer(request, { yiaddr: '10.0.0.50', siaddr: '0.0.0.0' }, [[53, Buffer.from([2])]]);
    truncated[243] = 54;
    truncated[244] = 200; // an option longer than the packet
    assert.equal(decodeReply(truncated.subarray(0, 260))?.serverId, undefined);
  });
});
