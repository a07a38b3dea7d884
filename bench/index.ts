/** `npm run bench`: every benchmark, each printing its figures and its ratio against its reference. */
import { outputThroughput } from './output-throughput.ts';

// The figure is 2,000,000 lines; a run 10× smaller beside it shows memory does not grow with output.
await outputThroughput(Number(process.env.BENCH_LINES ?? 2_000_000));
await outputThroughput(200_000);
