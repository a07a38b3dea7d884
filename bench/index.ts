/** `npm run bench`: every benchmark, each printing its figures and its ratio against its reference. */
import { httpOverhead } from './http-overhead.ts';
import { ipmiFanout } from './ipmi-fanout.ts';
import { outputPaint } from './output-paint.ts';
import { outputThroughput } from './output-throughput.ts';
import { sseFanout } from './sse-fanout.ts';
import { tftpThroughput } from './tftp-throughput.ts';

// Issue 2: the figure is 2,000,000 lines; memory is compared with runs 10× smaller and 4× larger.
await outputThroughput(Number(process.env.BENCH_LINES ?? 2_000_000));
// Issue 3: the server.
await httpOverhead();
await sseFanout();
// Issue 4: the web notebook's output view in Chromium.
await outputPaint();
// Issue 5: the ipmi driver's fan-out across simulated BMCs.
await ipmiFanout();
// Issue 6: stackbook's TFTP server against tftpd-hpa and dnsmasq.
await tftpThroughput();
