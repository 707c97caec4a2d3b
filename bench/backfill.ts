/**
 * A backfill through the whole host path (chunks read by capture time after each sync's window →
 * postgres destination merge), against an ordinary sync of the same rows to another postgres
 * destination, measured in the same run.
 *
 *   npx tsx bench/backfill.ts [rows=1000000] [chunkRows=250000]
 *
 * The rows are captured within a second, a microsecond apart. The sync's destination exists
 * before they are written (they are its window); the backfill's is created after, with
 * `backfillFrom` before them. Each chunk is a run of its own (its window is empty).
 *
 * DATABASE_URL: the store (a test database); TRIBUTARY_WAREHOUSE_PG_URL: the warehouse database
 * (default: the store's).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createApp } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';

const storeUrl = process.env.DATABASE_URL;
if (!storeUrl) {
  console.error('bench/backfill.ts needs DATABASE_URL (a real Postgres test database)');
  process.exit(2);
}
const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? storeUrl;
const rows = Number(process.argv[2] ?? 1_000_000);
const chunkRows = Number(process.argv[3] ?? 250_000);

const db = await openPostgres(storeUrl, { max: 6 });
const org = await createOrganization(db, `backfill bench ${new Date().toISOString()}`);
const dir = mkdtempSync(join(tmpdir(), 'tributary-backfill-bench-'));
const config = loadConfig({
  TRIBUTARY_SYNC_ENABLED: 'false',
  TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '127.0.0.0/8,::1',
  TRIBUTARY_DESTINATION_FILES_DIR: dir,
});
const app = await createApp({
  config,
  db,
  log: createLogger('warn'),
  secretKeyHex: randomBytes(32).toString('hex'),
  syncOptions: { backfillChunkRows: chunkRows },
});
const schema = `bench_${randomBytes(4).toString('hex')}`;
const wh = postgres(warehouseUrl, { max: 1, onnotice: () => {} });
const f = (n: number) => Math.round(n).toLocaleString('en');

/** Runs one destination until it has nothing due; returns its runs' seconds. */
async function runUntilIdle(id: string): Promise<number[]> {
  const seconds: number[] = [];
  for (;;) {
    await db.rows(sql`update destinations set enabled = (id = ${id}) where org_id = ${org.id}`);
    const [due] = await db.rows<{ due: boolean }>(sql`select next_run_time <= now() as due from destinations where id = ${id}`);
    if (!due!.due) return seconds;
    const started = performance.now();
    await app.sync.scheduler.runDue();
    seconds.push((performance.now() - started) / 1000);
    const [run] = await db.rows<{ status: string; error: string | null }>(sql`
      select status, error from sync_runs where destination_id = ${id} and trigger <> 'backfill' order by queued_time desc limit 1`);
    if (run?.status !== 'succeeded') throw new Error(`run failed: ${JSON.stringify(run)}`);
  }
}

try {
  const sync = await app.sync.destinations.create(org.id, 'bench', {
    name: 'sync',
    pluginId: 'postgres',
    config: { url: warehouseUrl, schema: `${schema}_sync` },
  });
  const from = new Date(Date.now() + 10);
  await db.rows(sql`
    insert into events (event_id, org_id, dedup_key, client_seq, device_id, session_id, view_id, event_time, captured_time,
      event_type, event_properties, source_type, source_properties)
    select ${`F${randomBytes(3).toString('hex')}`} || lpad(g::text, 12, '0'), ${org.id}, 'd' || g, g % 50, 1000 + g / 200, 1 + g / 1000, 5000 + g / 50,
      ${from.toISOString()}::timestamptz - g * interval '50 millisecond', ${from.toISOString()}::timestamptz + g * interval '1 microsecond',
      case when g % 10 = 0 then 'navigate' when g % 3 = 0 then 'custom' else 'click' end,
      jsonb_build_object('event_definition_id', null, 'additional_event_definition_ids', '[]'::jsonb,
        'target', jsonb_build_object('text', 'Add to cart', 'raw_selector', 'html > body > main#app > button#add-' || (g % 40))),
      'web',
      jsonb_build_object('entrypoint', 'POST /capture/v1/batch', 'origin', 'dom', 'integration', 'tributary-web',
        'url', jsonb_build_object('full_url', 'https://shop.example/products/' || (g % 100), 'host', 'shop.example', 'path', '/products/' || (g % 100)))
    from generate_series(1, ${rows}) g`);
  await db.rows(sql`vacuum analyze events`);

  const syncSeconds = (await runUntilIdle(sync.id)).reduce((a, b) => a + b, 0);
  const [synced] = await wh<{ n: number }[]>`select count(*)::int as n from ${wh(`${schema}_sync`)}.events`;
  if (synced!.n !== rows) throw new Error(`the sync sent ${synced!.n} rows`);
  // every row captured before the backfill's destination exists
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, from.getTime() + rows / 1000 + 10 - Date.now())));
  const backfilled = await app.sync.destinations.create(org.id, 'bench', {
    name: 'backfill',
    pluginId: 'postgres',
    config: { url: warehouseUrl, schema: `${schema}_backfill` },
    backfillFrom: from,
  });
  const chunks = await runUntilIdle(backfilled.id);
  const [backfill] = await db.rows<{ status: string; rows: string }>(
    sql`select status, rows::text from sync_runs where destination_id = ${backfilled.id} and trigger = 'backfill'`,
  );
  if (backfill?.status !== 'succeeded' || Number(backfill.rows) !== rows)
    throw new Error(`backfill did not finish: ${JSON.stringify(backfill)}`);
  const backfillSeconds = chunks.reduce((a, b) => a + b, 0);
  console.log(`backfill: ${f(rows)} rows in chunks of ${f(chunkRows)} to a postgres destination`);
  console.log(`  ordinary sync of the same rows   ${f(rows / syncSeconds)} rows/s (${syncSeconds.toFixed(1)} s)`);
  console.log(
    `  backfill                         ${f(rows / backfillSeconds)} rows/s (${backfillSeconds.toFixed(1)} s, ${chunks.length} runs: ${chunks.map((s) => s.toFixed(1)).join(', ')} s)`,
  );
  console.log(`  ratio (backfill / sync)          ${(syncSeconds / backfillSeconds).toFixed(2)}`);
} finally {
  await wh.unsafe(`drop schema if exists ${schema}_sync cascade`);
  await wh.unsafe(`drop schema if exists ${schema}_backfill cascade`);
  await wh.end();
  await db.rows(sql`delete from organizations where id = ${org.id}`);
  await db.rows(sql`vacuum events`);
  await app.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
