/**
 * `npm run bench`: every benchmark, each printed beside its raw baseline measured in the same run.
 * Needs DATABASE_URL (a real Postgres test database); TRIBUTARY_WAREHOUSE_PG_URL optionally
 * names another database as the postgres destination's warehouse. BENCH_EVENTS sets the capture
 * size (default 200,000), BENCH_CLIENTS its concurrent senders (default 64), BENCH_SYNC_ROWS the
 * sync size (default 1,000,000). Then each warehouse plugin against its protocol fake, each in a
 * process of its own, with `npm start`'s node flags, and its own baseline (the fake engine's bulk load of the same rows):
 * BENCH_WAREHOUSE_ROWS rows (default 1,000,000); BENCH_WAREHOUSES picks them (default
 * `snowflake,redshift,bigquery`; `none` skips them). Redshift needs moto: TRIBUTARY_S3_ENDPOINT,
 * or its bench starts one.
 */
import { spawnSync } from 'node:child_process';
import { benchCapture, printCaptureResult, printSegmentRatio } from './capture.ts';
import { benchSync, printSyncResult } from './sync.ts';
import { scriptArguments } from '../test/support/start-command.ts';

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

const warehouseRows = process.env.BENCH_WAREHOUSE_ROWS ?? '1000000';
const warehouseBenches: Record<string, string[]> = {
  snowflake: ['bench/warehouses-snowflake.ts', warehouseRows],
  redshift: ['bench/warehouses-snowflake-redshift.ts', warehouseRows, 'redshift'],
  bigquery: ['bench/warehouses-bigquery.ts', warehouseRows],
};
for (const name of (process.env.BENCH_WAREHOUSES ?? 'snowflake,redshift,bigquery').split(',').filter((n) => n && n !== 'none')) {
  const args = warehouseBenches[name];
  if (!args) throw new Error(`BENCH_WAREHOUSES: unknown warehouse ${name} (known: ${Object.keys(warehouseBenches).join(', ')})`);
  console.log(`\n== ${name} plugin against its protocol fake (${args.join(' ')})`);
  // With npm start's node flags: the plugin runs as it does inside the server.
  const run = spawnSync(process.execPath, [...scriptArguments(), ...args], { stdio: 'inherit' });
  if (run.status !== 0) process.exitCode = 1;
}

console.log(
  '\nAlso: npx tsx bench/late-events.ts (the price of a late event), bench/backfill.ts, bench/deletions.ts (one device deleted from a 10M-row warehouse per fake).',
);
