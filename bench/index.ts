/** `npm run bench`: every benchmark, each printing its figures and its ratio against its reference. */
import { outputThroughput } from './output-throughput.ts';

await outputThroughput();
