import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchInput, splitBatch } from '../../../drivers/ipmi/ipmitool-batch.ts';

describe('ipmitool batches', () => {
  const commands = [
    ['chassis', 'bootdev', 'pxe', 'options=persistent'],
    ['chassis', 'bootparam', 'get', '5'],
  ];

  it('writes each command after an echo of its number', () => {
    assert.equal(
      batchInput(commands),
      'echo stackbook-ipmi-command 1\nchassis bootdev pxe options=persistent\necho stackbook-ipmi-command 2\nchassis bootparam get 5\n',
    );
  });

  it("cuts ipmitool's output at the marks (its echo ends each with a blank)", () => {
    // What ipmitool 1.8.19 printed for that batch against ipmi_sim.
    const stdout = [
      'stackbook-ipmi-command 1 ',
      'Set Boot Device to pxe',
      'stackbook-ipmi-command 2 ',
      'Boot parameter version: 1',
      '   - Boot Device Selector : Force PXE',
      '',
    ].join('\n');
    assert.deepEqual(splitBatch(stdout, 2), [
      'Set Boot Device to pxe',
      'Boot parameter version: 1\n   - Boot Device Selector : Force PXE',
    ]);
  });

  it('leaves out the commands that never began', () => {
    assert.deepEqual(splitBatch('', 2), [undefined, undefined]);
    assert.deepEqual(splitBatch('stackbook-ipmi-command 1 \n', 2), ['', undefined]);
  });
});
