/**
 * The price of a late event: rows the store writes and the answer time of one request carrying
 * one late event, in a view of 5,000 events, beside an in-order event in the same view (the
 * baseline, measured in the same run).
 *
 *   npx tsx bench/late-events.ts [viewEvents=5000] [repeats=5]
 *
 * Two shapes of view: one navigate then clicks (a long page), and a navigate every 10 events (a
 * single-page app). Needs DATABASE_URL (a real Postgres test database).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { createApiKey } from '../server/auth/api-keys.ts';
import { createApp } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres, type Database } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('bench/late-events.ts needs DATABASE_URL pointing at a real Postgres test database');
  process.exit(2);
}
const viewEvents = Number(process.argv[2] ?? 5_000);
const repeats = Number(process.argv[3] ?? 5);

const db = await openPostgres(url, { max: 10 });
const org = await createOrganization(db, `late-events bench ${new Date().toISOString()}`);
const { key } = await createApiKey(db, { orgId: org.id, name: 'bench', role: 'capture', createdBy: 'bench' });
const app = await createApp({
  config: loadConfig({ TRIBUTARY_CAPTURE_RATE_LIMIT: '100000000', TRIBUTARY_SYNC_ENABLED: 'false' }),
  log: createLogger('warn'),
  db,
  secretKeyHex: '0f'.repeat(32),
});
const server = http.createServer((req, res) => void app.handle(req, res));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/capture/v1/batch`;

const base = Date.now() - 60 * 60_000;
const target = { path: [{ tag: 'button', id: 'buy' }, { tag: 'body' }, { tag: 'html' }] };
let ids = 0;

async function send(device: string, events: Record<string, unknown>[]): Promise<number> {
  const started = performance.now();
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ device_id: device, session_id: '1', events }),
  });
  if (response.status >= 300) throw new Error(`capture answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
  return performance.now() - started;
}

/** Inserted rows plus rows turned into tombstones, by the store's own count. */
async function writes(database: Database, view: string): Promise<{ rows: number; tombstones: number }> {
  const [row] = await database.rows<{ rows: number; tombstones: number }>(sql`
    select count(*)::int as rows, count(*) filter (where event_type is null)::int as tombstones
    from events where org_id = ${org.id} and view_id = ${view}`);
  return row!;
}

async function measure(shape: string, navigateEvery: number) {
  const results: Record<string, { writes: number[]; ms: number[] }> = {
    'in-order click': { writes: [], ms: [] },
    'late click': { writes: [], ms: [] },
    'late navigate': { writes: [], ms: [] },
  };
  for (let r = 0; r < repeats; r++) {
    const device = String(1_000_000 + Math.floor(Math.random() * 1e9));
    for (const [kind, late] of Object.entries({ 'in-order click': false, 'late click': true, 'late navigate': true })) {
      const view = String(10_000_000 + ++ids);
      for (let start = 0; start < viewEvents; start += 500) {
        const events = [];
        for (let i = start; i < Math.min(viewEvents, start + 500); i++) {
          events.push(
            i % navigateEvery === 0
              ? {
                  id: `${view}-${i}`,
                  seq: 10 + i,
                  view_id: view,
                  time: base + 1_000 + i,
                  type: 'navigate',
                  url: `https://shop.example/p/${i}`,
                }
              : { id: `${view}-${i}`, seq: 10 + i, view_id: view, time: base + 1_000 + i, type: 'click', target },
          );
        }
        await send(device, events);
      }
      const before = await writes(db, view);
      const one =
        kind === 'late navigate'
          ? { id: `${view}-x`, seq: 5, view_id: view, time: base + 1_000 + 0.5, type: 'navigate', url: 'https://shop.example/late' }
          : {
              id: `${view}-x`,
              seq: late ? 5 : 1e9,
              view_id: view,
              time: late ? base + 1_000 + 0.5 : base + 1_000 + viewEvents,
              type: 'click',
              target,
            };
      const ms = await send(device, [one]);
      const after = await writes(db, view);
      results[kind]!.writes.push(after.rows - before.rows + (after.tombstones - before.tombstones));
      results[kind]!.ms.push(ms);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const baseline = median(results['in-order click']!.ms);
  console.log(`\n${shape}: ${viewEvents} events in the view, median of ${repeats}`);
  console.log('| the one event | rows written | answer time | in-order click, same run | ratio |');
  console.log('|---|---|---|---|---|');
  for (const [kind, r] of Object.entries(results)) {
    console.log(
      `| ${kind} | ${median(r.writes)} | ${median(r.ms).toFixed(1)} ms | ${baseline.toFixed(1)} ms | ${(median(r.ms) / baseline).toFixed(2)} |`,
    );
  }
}

await measure('one navigate, then clicks', Number.MAX_SAFE_INTEGER);
await measure('a navigate every 10 events', 10);
server.close();
await app.close();
await db.close();
