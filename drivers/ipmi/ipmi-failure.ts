/** The classes of IPMI failure a machine's outcome reports. */
export type IpmiFailureKind = 'auth-failed' | 'unreachable' | 'unsupported' | 'timeout' | 'bmc-error';

/** One machine's failure, with ipmitool's own message kept. */
export class IpmiFailure extends Error {
  constructor(
    readonly kind: IpmiFailureKind,
    message: string,
    /** Worth another try after a pause: the BMC was busy or did not answer in time. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = 'IpmiFailure';
  }
}

/**
 * What ipmitool's messages mean, in the order they are tried (an authentication failure also says it could
 * not establish a session, so it comes first). The retryable ones are those Ironic retries: a busy BMC or one
 * that answered too late.
 */
const MESSAGES: readonly { kind: IpmiFailureKind; retryable: boolean; pattern: RegExp }[] = [
  {
    kind: 'auth-failed',
    retryable: false,
    pattern:
      /RAKP \d+ HMAC is invalid|unauthorized name|RAKP \d+ message indicates an error|invalid role|Authentication failed/i,
  },
  {
    kind: 'unsupported',
    retryable: false,
    pattern:
      /invalid (?:authentication|integrity|confidentiality) algorithm|no matching cipher suite|Invalid command|Command not supported|not supported|Invalid data field in request|Parameter not supported|Unknown bootdev|Invalid chassis/i,
  },
  {
    kind: 'bmc-error',
    retryable: true,
    pattern: /insufficient resources for session|Node busy|BMC initialization in progress|Out of space/i,
  },
  {
    kind: 'unreachable',
    retryable: false,
    pattern:
      /Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities|Unable to establish (?:IPMI v2 \/ RMCP\+|LAN) session|Address lookup for .* failed|Name or service not known|Connection refused|Network is unreachable/i,
  },
  {
    // A session was open but the command itself got no answer.
    kind: 'timeout',
    retryable: true,
    // ipmitool says `Unable to set Chassis Power Control…` when a command got no answer in time, and `IPMI
    // Request Match NOT FOUND` when an answer came after it had given up.
    pattern:
      /timeout|timed out|No response from remote controller|\bUnable to (?:get|set|send) |Request Match NOT FOUND/i,
  },
];

/** Lines `ipmitool -v` prints on every session, which say nothing about a failure. */
const NOISE =
  /^(?:Loading IANA PEN Registry\.\.\.|Running Get VSO Capabilities .*|Invalid completion code received: Invalid command|Discovered IPMB address .*|Close Session command failed)$/;

/** ipmitool's message without the noise of `-v`, on one line. */
export function ipmitoolMessage(stderr: string, stdout = ''): string {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !NOISE.test(line));
  return [...new Set(lines)].join('; ');
}

/** Classifies a failed ipmitool call by what it printed. */
export function classifyIpmitool(stderr: string, stdout: string): IpmiFailure {
  const message = ipmitoolMessage(stderr, stdout) || 'ipmitool failed without a message';
  const known = MESSAGES.find((entry) => entry.pattern.test(message));
  return new IpmiFailure(known?.kind ?? 'bmc-error', message, known?.retryable ?? false);
}
