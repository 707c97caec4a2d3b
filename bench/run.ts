/**
 * `npm run bench`: every benchmark, each printed beside its raw baseline measured in the same run.
 * Needs DATABASE_URL (a real Postgres test database). BENCH_EVENTS sets the capture size.
 */
import { benchCapture, printCaptureResult } from './capture.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('npm run bench needs DATABASE_URL pointing at a real Postgres test database');
  process.exit(2);
}
const events = Number(process.env.BENCH_EVENTS ?? 200_000);
printCaptureResult(await benchCapture(url, events, 8, 100));
