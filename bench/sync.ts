/**
 * Sync throughput through the whole host path (store read in batches → plugin → warehouse merge)
 * to the postgres and duckdb destinations, against a raw `COPY` of the same rows into a plain
 * table of the same warehouse database, measured in the same run.
 *
 *   npx tsx bench/sync.ts [rows=1000000]
 *
 * DATABASE_URL: the store (a test database); TRIBUTARY_WAREHOUSE_PG_URL: the warehouse database
 * (default: the store's).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';

export interface SyncBenchResult {
  rows: number;
  postgres: { rowsPerSec: number; peakRssMb: number; rssBeforeMb: number };
  duckdb: { rowsPerSec: number; peakRssMb: number; rssBeforeMb: number };
  copyRowsPerSec: number;
  ratio: number;
}

function sampleRss() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  return () => {
    clearInterval(timer);
    return Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6);
  };
}

export async function benchSync(storeUrl: string, warehouseUrl: string, rows = 1_000_000): Promise<SyncBenchResult> {
  const db = await openPostgres(storeUrl, { max: 6 });
  const org = await createOrganization(db, `sync bench ${new Date().toISOString()}`);
  const app = await createApp({ config: loadConfig({ TRIBUTARY_SYNC_ENABLED: 'false' }), db, secretKeyHex: randomBytes(32).toString('hex') });
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'tributary-sync-bench-'));
  const wh = postgres(warehouseUrl, { max: 2, onnotice: () => {} });
  try {
    const pg = await app.sync.destinations.create(org.id, 'bench', { name: 'pg', pluginId: 'postgres', config: { url: warehouseUrl, schema } });
    const duck = await app.sync.destinations.create(org.id, 'bench', { name: 'duck', pluginId: 'duckdb', config: { path: join(dir, 'bench.duckdb') } });
    // realistic processed rows, generated inside Postgres
    await db.rows(sql`
      insert into events (event_id, org_id, dedup_key, client_seq, device_id, session_id, view_id, event_time, captured_time,
        event_type, captured_type, event_properties, source_type, source_properties)
      select 'B' || lpad(g::text, 12, '0'), ${org.id}, 'd' || g, g % 50, 1000 + g / 200, 1 + g / 1000, 5000 + g / 50,
        now() - (${rows} - g) * interval '1 millisecond', now(),
        case when g % 10 = 0 then 'navigate' when g % 3 = 0 then 'custom' else 'click' end,
        case when g % 10 = 0 then 'navigate' when g % 3 = 0 then 'custom' else 'click' end,
        jsonb_build_object('event_definition_id', null, 'additional_event_definition_ids', '[]'::jsonb,
          'target', jsonb_build_object('text', 'Add to cart', 'masked', false, 'raw_selector', 'html > body > main#app > button#add-' || (g % 40),
            'element_properties', '{}'::jsonb, 'element_definition_id', null, 'additional_element_definition_ids', '[]'::jsonb)),
        'web',
        jsonb_build_object('entrypoint', 'POST /capture/v1/batch', 'origin', 'dom', 'integration', 'tributary-web',
          'user_agent', jsonb_build_object('raw_user_agent', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0.0.0', 'browser', 'Chrome', 'device', 'Desktop'),
          'url', jsonb_build_object('full_url', 'https://shop.example/products/' || (g % 100), 'host', 'shop.example', 'path', '/products/' || (g % 100), 'query', '', 'hash_path', '', 'hash_query', ''),
          'page_definition_id', null)
      from generate_series(1, ${rows}) g`);
    await db.rows(sql`update destinations set next_run_time = now() where org_id = ${org.id}`);

    const timed = async (destinationId: string) => {
      await db.rows(sql`update destinations set enabled = (id = ${destinationId}) where org_id = ${org.id}`);
      const before = Math.round(process.memoryUsage().rss / 1e6);
      const peak = sampleRss();
      const started = performance.now();
      await app.sync.scheduler.runDue();
      const seconds = (performance.now() - started) / 1000;
      const [run] = await db.rows<{ status: string; rows: number; error: string | null }>(sql`
        select status, rows::int, error, attempts, duration_ms, details from sync_runs where destination_id = ${destinationId} order by queued_time desc limit 1`);
      if (run?.status !== 'succeeded' || run.rows !== rows) throw new Error(`sync did not succeed: ${JSON.stringify(run)}`);
      return { rowsPerSec: rows / seconds, peakRssMb: peak(), rssBeforeMb: before };
    };
    const pgResult = await timed(pg.id);
    const duckResult = await timed(duck.id);

    // Baseline: the same rows, raw COPY into a plain logged table of the warehouse database.
    const file = join(dir, 'rows.copy');
    if (!/^[0-9a-f-]{36}$/.test(org.id)) throw new Error('unexpected organization id');
    const store = postgres(storeUrl, { max: 1, onnotice: () => {} });
    const reader = await store.unsafe(`copy (select event_id, event_time, processed_time, device_id, session_id, view_id, event_type,
      event_properties, source_type, source_properties from events where org_id = '${org.id}') to stdout`).readable();
    await pipeline(reader, createWriteStream(file));
    await store.end();
    await wh.unsafe(`create table ${schema}.copy_baseline (event_id text primary key, event_time timestamptz, processed_time timestamptz,
      device_id bigint, session_id bigint, view_id bigint, event_type text, event_properties jsonb, source_type text, source_properties jsonb)`);
    const copyStarted = performance.now();
    await pipeline(createReadStream(file), await wh.unsafe(`copy ${schema}.copy_baseline from stdin`).writable());
    const copyRowsPerSec = rows / ((performance.now() - copyStarted) / 1000);
    return { rows, postgres: pgResult, duckdb: duckResult, copyRowsPerSec, ratio: pgResult.rowsPerSec / copyRowsPerSec };
  } finally {
    await wh.unsafe(`drop schema if exists ${schema} cascade`);
    await wh.end();
    await db.rows(sql`delete from organizations where id = ${org.id}`);
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printSyncResult(r: SyncBenchResult): void {
  const f = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`sync: ${f(r.rows)} processed rows from the store to each destination`);
  console.log(`  postgres destination   ${f(r.postgres.rowsPerSec)} rows/s   peak RSS ${r.postgres.peakRssMb} MB (process before the sync: ${r.postgres.rssBeforeMb} MB)`);
  console.log(`  duckdb destination     ${f(r.duckdb.rowsPerSec)} rows/s   peak RSS ${r.duckdb.peakRssMb} MB (process before the sync: ${r.duckdb.rssBeforeMb} MB)`);
  console.log(`  raw COPY baseline      ${f(r.copyRowsPerSec)} rows/s`);
  console.log(`  ratio (postgres)       ${r.ratio.toFixed(2)} (target >= 0.70; peak RSS target < 300 MB)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('bench/sync.ts needs DATABASE_URL (a real Postgres test database)');
    process.exit(2);
  }
  printSyncResult(await benchSync(url, process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? url, Number(process.argv[2] ?? 1_000_000)));
}
