/**
 * Capture throughput: a realistic mix of events through the native endpoint with several
 * concurrent clients, against a raw `COPY` of the same stored rows into a table shaped like the
 * store (same columns, indexes and defaults), in the same database and the same run.
 *
 *   npx tsx bench/capture.ts [events=200000] [clients=8] [eventsPerRequest=100] [definitionsPerKind=200]
 *
 * Run directly, it measures capture twice in one run, without definitions and with
 * `definitionsPerKind` active page, element and event definitions for the organization
 * (bench/capture-definitions.ts), and prints both and their ratio (target: within 20%).
 *
 * Needs a real Postgres: DATABASE_URL (a database whose name contains "test" or "bench").
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { createApiKey } from '../server/auth/api-keys.ts';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';
import { defineBenchDefinitions } from './capture-definitions.ts';

export interface CaptureBenchResult {
  events: number;
  captureEventsPerSec: number;
  copyRowsPerSec: number;
  ratio: number;
  peakRssMb: number;
  rssAtQuartersMb: number[];
  /** Active definitions of each kind the organization had. */
  definitionsPerKind: number;
  /** CPU time of this process (server and clients) per captured event: less sensitive than throughput to other load. */
  cpuMicrosPerEvent: number;
}

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PATHS = ['/', '/products', '/products/42', '/cart', '/checkout', '/signup'];

/** One SDK-like batch: a page view with clicks, changes, a load, custom events and sometimes an identify. */
function makeBatch(client: number, request: number, size: number) {
  const device = String(1_000_000 + client * 100_000 + Math.floor(request / 20));
  const view = String(10_000_000 + client * 1_000_000 + request);
  const start = Date.now() - 3_600_000 + request * 1000;
  const events = [];
  for (let i = 0; i < size; i++) {
    const time = start + i * 10;
    const base = { id: `${view}-${i}`, seq: i, view_id: view, time };
    const kind = i === 0 ? 'navigate' : i % 10 === 1 ? 'load' : i % 10 < 6 ? 'click' : i % 10 < 8 ? 'change' : i % 20 === 9 ? 'identify' : 'custom';
    if (kind === 'navigate') events.push({ ...base, type: 'navigate', url: `https://shop.example${PATHS[request % PATHS.length]}?utm_source=news#top`, properties: { navigate_reason: 'navigate' } });
    else if (kind === 'load') events.push({ ...base, type: 'load', properties: { load_time_millis: 800 + (i % 300), dom_content_time_millis: 400, time_to_first_byte_millis: 90 } });
    else if (kind === 'click' || kind === 'change') {
      events.push({
        ...base,
        type: kind,
        target: {
          text: kind === 'change' ? '****' : 'Add to cart',
          masked: kind === 'change',
          path: [
            { tag: 'button', id: `add-${i}`, classes: ['btn', 'add-to-cart'], attrs: { type: 'button', 'data-product': String(i) } },
            { tag: 'article', classes: ['product'] },
            { tag: 'main', id: 'app' },
            { tag: 'body' },
            { tag: 'html' },
          ],
        },
      });
    } else if (kind === 'identify') events.push({ ...base, type: 'identify', properties: { user_id: `user-${device}`, user_email: `u${device}@example.com`, user_properties: { plan: 'pro' } } });
    else events.push({ ...base, type: 'custom', properties: { event_name: 'Added to cart', product_id: i, price: 19.99, currency: 'EUR' } });
  }
  return { sdk: { name: 'tributary-web', version: '0.1.0' }, device_id: device, session_id: String(5_000 + client), context: { user_agent: UA, initial_referrer: 'https://www.google.com/' }, events };
}

export async function benchCapture(
  databaseUrl: string,
  totalEvents = 200_000,
  clients = 8,
  perRequest = 100,
  options: { definitionsPerKind?: number } = {},
): Promise<CaptureBenchResult> {
  const db = await openPostgres(databaseUrl, { max: 10 });
  const org = await createOrganization(db, `bench ${new Date().toISOString()}`);
  const { key } = await createApiKey(db, { orgId: org.id, name: 'bench', role: 'capture', createdBy: 'bench' });
  const definitionsPerKind = options.definitionsPerKind ?? 0;
  if (definitionsPerKind > 0) await defineBenchDefinitions(db, org.id, definitionsPerKind);
  const app = await createApp({
    config: loadConfig({ TRIBUTARY_CAPTURE_RATE_LIMIT: '100000000', TRIBUTARY_SYNC_ENABLED: 'false' }),
    db,
    secretKeyHex: randomBytes(32).toString('hex'),
  });
  const server = http.createServer((req, res) => void app.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/capture/v1/batch`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });

  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const requestsPerClient = Math.ceil(totalEvents / clients / perRequest);
  const quarters: number[] = [];
  let done = 0;
  const post = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`capture answered ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(body);
    });

  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let r = 0; r < requestsPerClient; r++) {
        await post(JSON.stringify(makeBatch(client, r, perRequest)));
        done++;
        if (quarters.length < 4 && done >= ((quarters.length + 1) * clients * requestsPerClient) / 4) {
          quarters.push(Math.round(process.memoryUsage().rss / 1e6));
        }
      }
    }),
  );
  const captureSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  clearInterval(sampler);
  const events = clients * requestsPerClient * perRequest;

  // Baseline: the same stored rows, COPY'd into a table shaped like the store.
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  const dir = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
  const file = join(dir, 'rows.copy');
  try {
    await sql`drop table if exists bench_copy_events`;
    await sql`create table bench_copy_events (like events including all)`;
    // COPY takes no bind parameters; the org id is a uuid this run created, checked before use.
    if (!/^[0-9a-f-]{36}$/.test(org.id)) throw new Error('unexpected organization id');
    // Its own client, ended afterwards: postgres-js otherwise queues the COPY FROM below behind
    // the finished COPY TO stream, and the run hangs.
    const exporter = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const reader = await exporter.unsafe(`copy (select * from events where org_id = '${org.id}') to stdout`).readable();
    await pipeline(reader, createWriteStream(file));
    await exporter.end({ timeout: 1 });
    const copyStarted = performance.now();
    const writer = await sql`copy bench_copy_events from stdin`.writable();
    await pipeline(createReadStream(file), writer);
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const [copied] = await sql<{ count: string }[]>`select count(*)::text as count from bench_copy_events`;
    const count = copied?.count;
    if (Number(count) !== events) throw new Error(`store holds ${count} rows, expected ${events}`);
    const captureEventsPerSec = events / captureSeconds;
    const copyRowsPerSec = events / copySeconds;
    return {
      events,
      captureEventsPerSec,
      copyRowsPerSec,
      ratio: captureEventsPerSec / copyRowsPerSec,
      peakRssMb: Math.round(peakRss / 1e6),
      rssAtQuartersMb: quarters,
      definitionsPerKind,
      cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
    };
  } finally {
    await sql`drop table if exists bench_copy_events`;
    await sql`delete from organizations where id = ${org.id}`;
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
    agent.destroy();
    server.close();
    await app.close();
    await db.close();
  }
}

export function printCaptureResult(r: CaptureBenchResult): void {
  console.log(`capture: ${r.events} events, ${r.definitionsPerKind} active definitions of each kind`);
  console.log(`  native capture endpoint  ${Math.round(r.captureEventsPerSec).toLocaleString('en')} events/s`);
  console.log(`  raw COPY baseline        ${Math.round(r.copyRowsPerSec).toLocaleString('en')} rows/s`);
  console.log(`  ratio                    ${r.ratio.toFixed(2)} (target >= 0.50)`);
  console.log(`  CPU                      ${r.cpuMicrosPerEvent.toFixed(1)} µs/event (this process: server and clients)`);
  console.log(`  peak RSS                 ${r.peakRssMb} MB (at 25/50/75/100%: ${r.rssAtQuartersMb.join(' / ')} MB)`);
}

/** Capture with definitions against without, measured in the same run: best throughput and mean CPU of each. */
export function printDefinitionsCost(without: CaptureBenchResult[], withDefinitions: CaptureBenchResult[]): void {
  const best = (rs: CaptureBenchResult[]) => Math.max(...rs.map((r) => r.captureEventsPerSec));
  const cpu = (rs: CaptureBenchResult[]) => rs.reduce((sum, r) => sum + r.cpuMicrosPerEvent, 0) / rs.length;
  const ratio = best(withDefinitions) / best(without);
  console.log(`definitions: ${withDefinitions[0]?.definitionsPerKind ?? 0} of each kind (best of ${without.length} runs each)`);
  console.log(`  without definitions      ${Math.round(best(without)).toLocaleString('en')} events/s, ${cpu(without).toFixed(1)} µs CPU/event`);
  console.log(`  with definitions         ${Math.round(best(withDefinitions)).toLocaleString('en')} events/s, ${cpu(withDefinitions).toFixed(1)} µs CPU/event`);
  console.log(`  throughput ratio         ${ratio.toFixed(2)} (target >= 0.80)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('bench/capture.ts needs DATABASE_URL (a real Postgres test database)');
    process.exit(2);
  }
  const [events = '200000', clients = '8', per = '100', definitions = '200'] = process.argv.slice(2);
  // Without, with, with, without: drift of the machine or of the database hits both alike.
  const results: CaptureBenchResult[] = [];
  for (const perKind of [0, Number(definitions), Number(definitions), 0]) {
    const result = await benchCapture(url, Number(events), Number(clients), Number(per), { definitionsPerKind: perKind });
    printCaptureResult(result);
    results.push(result);
  }
  printDefinitionsCost(results.filter((r) => r.definitionsPerKind === 0), results.filter((r) => r.definitionsPerKind > 0));
}
