/**
 * Sync throughput through the whole host path (store read in batches → plugin → warehouse merge)
 * to the postgres and duckdb destinations, against a raw `COPY` of the same rows into a plain
 * table of the same warehouse database, measured in the same run.
 *
 *   npx tsx bench/sync.ts [rows=1000000] [rounds=2]
 *
 * Each round times a raw COPY of the rows, then a sync of them to a fresh postgres destination
 * (alternated, so drift of the machine hits both alike); the ratio is best against best.
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
import { createLogger } from '../server/log.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';

export interface SyncRound {
  /** Rows/s of the postgres destination's sync in this round. */
  syncRowsPerSec: number;
  /** Rows/s of the raw COPY measured just before it. */
  copyRowsPerSec: number;
  peakRssMb: number;
  /** CPU of this process (the server) per row synced. */
  cpuMicrosPerRow: number;
}

export interface SyncBenchResult {
  rows: number;
  rssBeforeMb: number;
  /** Baseline and postgres sync, alternated: drift of the machine hits both alike. */
  rounds: SyncRound[];
  duckdb: { rowsPerSec: number; peakRssMb: number };
  /** Best sync against best baseline. */
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

export async function benchSync(storeUrl: string, warehouseUrl: string, rows = 1_000_000, roundCount = 2): Promise<SyncBenchResult> {
  const db = await openPostgres(storeUrl, { max: 6 });
  const org = await createOrganization(db, `sync bench ${new Date().toISOString()}`);
  const dir = mkdtempSync(join(tmpdir(), 'tributary-sync-bench-'));
  // the warehouse runs on this machine: loopback destinations allowed explicitly
  const config = loadConfig({
    TRIBUTARY_SYNC_ENABLED: 'false',
    TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '127.0.0.0/8,::1',
    TRIBUTARY_DESTINATION_FILES_DIR: dir,
  });
  const app = await createApp({ config, db, log: createLogger('warn'), secretKeyHex: randomBytes(32).toString('hex') });
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const wh = postgres(warehouseUrl, { max: 2, onnotice: () => {} });
  try {
    // one postgres destination per round (each its own schema), all active before the rows exist
    const pgs = [];
    for (let r = 0; r < roundCount; r++) {
      pgs.push(
        await app.sync.destinations.create(org.id, 'bench', {
          name: `pg${r}`,
          pluginId: 'postgres',
          config: { url: warehouseUrl, schema: `${schema}_${r}` },
        }),
      );
    }
    const duck = await app.sync.destinations.create(org.id, 'bench', {
      name: 'duck',
      pluginId: 'duckdb',
      config: { path: `bench-${schema}.duckdb` },
    });
    // realistic processed rows, generated inside Postgres
    await db.rows(sql`
      insert into events (event_id, org_id, dedup_key, client_seq, device_id, session_id, view_id, event_time, captured_time,
        event_type, event_properties, source_type, source_properties)
      select ${`B${randomBytes(3).toString('hex')}`} || lpad(g::text, 12, '0'), ${org.id}, 'd' || g, g % 50, 1000 + g / 200, 1 + g / 1000, 5000 + g / 50,
        now() - (${rows} - g) * interval '1 millisecond', now(),
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
    // a store in its steady state (autovacuum would otherwise run in the middle of a timing)
    await db.rows(sql`vacuum analyze events`);

    // the baseline's input: the same rows as the sync sends, exported once
    const file = join(dir, 'rows.copy');
    if (!/^[0-9a-f-]{36}$/.test(org.id)) throw new Error('unexpected organization id');
    const store = postgres(storeUrl, { max: 1, onnotice: () => {} });
    const reader = await store
      .unsafe(
        `copy (select event_id, event_time, processed_time, device_id, session_id, view_id, event_type,
      event_properties, source_type, source_properties from events where org_id = '${org.id}') to stdout`,
      )
      .readable();
    await pipeline(reader, createWriteStream(file));
    await store.end();

    // Each timing starts from a fresh checkpoint, so WAL left by the previous one does not make
    // Postgres checkpoint in the middle of it (needs superuser or pg_checkpoint; skipped otherwise).
    const checkpoint = () => wh.unsafe('checkpoint').catch(() => {});
    const rssBeforeMb = Math.round(process.memoryUsage().rss / 1e6);
    const syncOnly = async (destinationId: string) => {
      await db.rows(sql`update destinations set enabled = (id = ${destinationId}), next_run_time = now() where org_id = ${org.id}`);
      const peak = sampleRss();
      const cpu = process.cpuUsage();
      const started = performance.now();
      await app.sync.scheduler.runDue();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      const [run] = await db.rows<{ status: string; rows: number; error: string | null }>(sql`
        select status, rows::int, error, attempts, duration_ms, details from sync_runs where destination_id = ${destinationId} order by queued_time desc limit 1`);
      if (run?.status !== 'succeeded' || run.rows !== rows) throw new Error(`sync did not succeed: ${JSON.stringify(run)}`);
      return { rowsPerSec: rows / seconds, peakRssMb: peak(), cpuMicrosPerRow: (used.user + used.system) / rows };
    };
    // Baseline: the same rows, raw COPY into a plain logged table with the same key, same database.
    const baseline = async (round: number) => {
      const table = `${schema}_${round}.copy_baseline`;
      await wh.unsafe(`create table ${table} (event_id text primary key, event_time timestamptz, processed_time timestamptz,
        device_id bigint, session_id bigint, view_id bigint, event_type text, event_properties jsonb, source_type text, source_properties jsonb)`);
      const started = performance.now();
      await pipeline(createReadStream(file), await wh.unsafe(`copy ${table} from stdin`).writable());
      const rowsPerSec = rows / ((performance.now() - started) / 1000);
      // Gone before the sync is timed: autovacuum would otherwise work through the freshly
      // copied table during the sync (its WAL and full-page writes land on the sync).
      await wh.unsafe(`drop table ${table}`);
      return rowsPerSec;
    };

    const rounds: SyncRound[] = [];
    for (let r = 0; r < roundCount; r++) {
      await wh.unsafe(`create schema ${schema}_${r}`);
      await checkpoint();
      const copyRowsPerSec = await baseline(r);
      await checkpoint();
      const synced = await syncOnly(pgs[r]!.id);
      rounds.push({
        syncRowsPerSec: synced.rowsPerSec,
        copyRowsPerSec,
        peakRssMb: synced.peakRssMb,
        cpuMicrosPerRow: synced.cpuMicrosPerRow,
      });
      // likewise, the synced table is not left for autovacuum during the next round
      await wh.unsafe(`drop schema ${schema}_${r} cascade`);
    }
    await checkpoint();
    const duckResult = await syncOnly(duck.id);
    const best = (values: number[]) => Math.max(...values);
    return {
      rows,
      rssBeforeMb,
      rounds,
      duckdb: { rowsPerSec: duckResult.rowsPerSec, peakRssMb: duckResult.peakRssMb },
      ratio: best(rounds.map((r) => r.syncRowsPerSec)) / best(rounds.map((r) => r.copyRowsPerSec)),
    };
  } finally {
    for (let r = 0; r < roundCount; r++) await wh.unsafe(`drop schema if exists ${schema}_${r} cascade`);
    await wh.end();
    await db.rows(sql`delete from organizations where id = ${org.id}`);
    // leave no dead rows behind for the next run
    await db.rows(sql`vacuum events`);
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printSyncResult(r: SyncBenchResult): void {
  const f = (n: number) => Math.round(n).toLocaleString('en');
  console.log(`sync: ${f(r.rows)} processed rows from the store to each destination (process RSS before: ${r.rssBeforeMb} MB)`);
  r.rounds.forEach((round, i) => {
    console.log(
      `  round ${i + 1}: raw COPY ${f(round.copyRowsPerSec)} rows/s, then postgres destination ${f(round.syncRowsPerSec)} rows/s ` +
        `(${(round.syncRowsPerSec / round.copyRowsPerSec).toFixed(2)}), ${round.cpuMicrosPerRow.toFixed(1)} µs CPU/row in the server, peak RSS ${round.peakRssMb} MB`,
    );
  });
  console.log(`  duckdb destination     ${f(r.duckdb.rowsPerSec)} rows/s   peak RSS ${r.duckdb.peakRssMb} MB`);
  console.log(`  ratio (postgres, best sync / best COPY)  ${r.ratio.toFixed(2)} (target >= 0.70; peak RSS target < 300 MB)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('bench/sync.ts needs DATABASE_URL (a real Postgres test database)');
    process.exit(2);
  }
  printSyncResult(
    await benchSync(url, process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? url, Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 2)),
  );
}
