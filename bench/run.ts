/**
 * `npm run bench`: every benchmark, each printed beside its raw baseline measured in the same run.
 * Needs DATABASE_URL (a real Postgres test database); TRIBUTARY_WAREHOUSE_PG_URL optionally
 * names another database as the postgres destination's warehouse. BENCH_EVENTS sets the capture
 * size (default 200,000), BENCH_CLIENTS its concurrent senders (default 64), BENCH_SYNC_ROWS the
 * sync size (default 1,000,000).
 */
import { benchCapture, printCaptureResult, printSegmentRatio } from './capture.ts';
import { benchSync, printSyncResult } from './sync.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('npm run bench needs DATABASE_URL pointing at a real Postgres test database');
  process.exit(2);
}
// 64 senders with 100-event batches: a capture endpoint serves many browsers at once; with fewer
// the closed loop (each sender waits for its answer) leaves the cores idle between flushes.
const clients = Number(process.env.BENCH_CLIENTS ?? 64);
// The native endpoint and the same visits as Segment library batches (issue #15: at least 0.8 of
// the native endpoint), native, Segment, Segment, native: the first run of a process is slower
// (warm-up), and drift of the machine or the database then hits both alike.
const protocolRuns = [];
for (const protocol of ['native', 'segment', 'segment', 'native'] as const) {
  const result = await benchCapture(url, Number(process.env.BENCH_EVENTS ?? 200_000), clients, 100, { protocol });
  printCaptureResult(result);
  protocolRuns.push(result);
}
printSegmentRatio(protocolRuns);
printCaptureResult(await benchCapture(url, Number(process.env.BENCH_EVENTS ?? 200_000), clients, 100, { definitionsPerKind: 200 }));
printSyncResult(await benchSync(url, process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? url, Number(process.env.BENCH_SYNC_ROWS ?? 1_000_000)));
console.log('\nAlso: npx tsx bench/late-events.ts (the price of a late event); the warehouse plugins against their protocol fakes: npx tsx bench/warehouses-bigquery.ts, bench/warehouses-snowflake-redshift.ts');
