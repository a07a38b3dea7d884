import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyIpmitool, ipmitoolMessage } from '../../../drivers/ipmi/ipmi-failure.ts';

// What ipmitool 1.8.19 printed with -v against ipmi_sim and against a port nobody listens on.
const NOISE =
  'Loading IANA PEN Registry...\nRunning Get VSO Capabilities my_addr 0x20, transit 0, target 0x20\nInvalid completion code received: Invalid command\nDiscovered IPMB address 0x0\n';

describe('classifyIpmitool', () => {
  it('tells the classes apart by what ipmitool printed', () => {
    const cases: [string, string, boolean][] = [
      [
        'Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n',
        'auth-failed',
        false,
      ],
      [
        'RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n',
        'auth-failed',
        false,
      ],
      [
        'Get Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n',
        'unreachable',
        false,
      ],
      [
        'Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n',
        'unsupported',
        false,
      ],
      [
        `${NOISE}Set Chassis Power Control to Diag failed: Invalid data field in request\n`,
        'unsupported',
        false,
      ],
      [`${NOISE}Unable to get Chassis Power Status\nClose Session command failed\n`, 'timeout', true],
      // A batch whose BMC answered late: the late answer's complaint may come first.
      [
        `${NOISE}IPMI Request Match NOT FOUND\nUnable to set Chassis Power Control to Up/On\nUnable to get Chassis Power Status\n`,
        'timeout',
        true,
      ],
      ['Error in open session response message : insufficient resources for session\n', 'bmc-error', true],
      [`${NOISE}Set Chassis Power Control to Up/On failed: Node busy\n`, 'bmc-error', true],
      [`${NOISE}Get Chassis Power Status failed: Unspecified error\n`, 'bmc-error', false],
    ];
    for (const [stderr, kind, retryable] of cases) {
      const failure = classifyIpmitool(stderr, '');
      assert.deepEqual([failure.kind, failure.retryable], [kind, retryable], stderr);
    }
  });

  it("keeps ipmitool's own message, without the chatter of -v", () => {
    assert.equal(
      ipmitoolMessage(`${NOISE}Unable to get Chassis Power Status\nClose Session command failed\n`),
      'Unable to get Chassis Power Status',
    );
    assert.equal(classifyIpmitool('', '').message, 'ipmitool failed without a message');
  });
});
