/**
 * Capture throughput: a realistic mix of events through the native endpoint with several
 * concurrent clients, against a raw `COPY` of the same stored rows into a table shaped like the
 * store (same columns, indexes and defaults), in the same database and the same run.
 *
 *   npx tsx bench/capture.ts [events=200000] [clients=64] [eventsPerRequest=100] [definitionsPerKind=200]
 *
 * Run directly, it measures capture twice in one run, without definitions and with
 * `definitionsPerKind` active page, element and event definitions for the organization
 * (bench/capture-definitions.ts), and prints both and their ratio (target: within 20%).
 *
 * Needs a real Postgres: DATABASE_URL (a database whose name contains "test" or "bench").
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { createApiKey } from '../server/auth/api-keys.ts';
import { createApp } from '../server/app.ts';
import { createLogger } from '../server/log.ts';
import { loadConfig } from '../server/config.ts';
import { openPostgres } from '../server/db/client.ts';
import { createOrganization } from '../server/db/queries/organizations.ts';
import { defineBenchDefinitions } from './capture-definitions.ts';

export interface CaptureBenchResult {
  /** Which endpoint took the load: the native batch, or the Segment-shaped `POST /v1/batch`. */
  protocol: 'native' | 'segment';
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
  clientCpuMicrosPerEvent: number;
}

export async function benchCapture(
  databaseUrl: string,
  totalEvents = 200_000,
  clients = 8,
  perRequest = 100,
  options: { definitionsPerKind?: number; protocol?: 'native' | 'segment' } = {},
): Promise<CaptureBenchResult> {
  const protocol = options.protocol ?? 'native';
  const db = await openPostgres(databaseUrl, { max: 10 });
  const org = await createOrganization(db, `bench ${new Date().toISOString()}`);
  const { key } = await createApiKey(db, { orgId: org.id, name: 'bench', role: 'capture', createdBy: 'bench' });
  const definitionsPerKind = options.definitionsPerKind ?? 0;
  if (definitionsPerKind > 0) await defineBenchDefinitions(db, org.id, definitionsPerKind);
  const app = await createApp({
    config: loadConfig({ TRIBUTARY_CAPTURE_RATE_LIMIT: '100000000', TRIBUTARY_SYNC_ENABLED: 'false' }),
    log: createLogger('warn'),
    db,
    secretKeyHex: randomBytes(32).toString('hex'),
  });
  const server = http.createServer((req, res) => void app.handle(req, res));
  server.on('clientError', app.handleClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${protocol === 'segment' ? '/v1/batch' : '/capture/v1/batch'}`;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const requestsPerClient = Math.ceil(totalEvents / clients / perRequest);
  const quarters: number[] = [];
  // The clients run in their own process, as real senders would: the server's CPU and memory
  // figures are then the server's alone.
  const child = fork(fileURLToPath(new URL('./capture-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  await once(child, 'spawn');
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const clientReport = new Promise<{ cpuMicros: number }>((resolve, reject) => {
    child.on('message', (message: { type: string; cpuMicros?: number; error?: string }) => {
      if (message.type === 'quarter') {
        quarters.push(Math.round(process.memoryUsage().rss / 1e6));
        // a metrics scrape half-way through the load, when asked (TRIBUTARY_BENCH_METRICS=file)
        const scrapeFile = process.env.TRIBUTARY_BENCH_METRICS;
        if (scrapeFile && quarters.length === 2) void app.metrics.scrape().then((scrape) => writeFileSync(scrapeFile, scrape.body));
      } else if (message.type === 'done') resolve({ cpuMicros: message.cpuMicros ?? 0 });
      else if (message.type === 'error') reject(new Error(message.error));
    });
    child.on('exit', (code) => code !== 0 && reject(new Error(`the load generator exited with ${code}`)));
  });
  child.send({ url, key, protocol, clients, perRequest, requestsPerClient });
  const client = await clientReport;
  child.kill();
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
    const reader = await sql.unsafe(`copy (select * from events where org_id = '${org.id}') to stdout`).readable();
    await pipeline(reader, createWriteStream(file));
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
      protocol,
      events,
      captureEventsPerSec,
      copyRowsPerSec,
      ratio: captureEventsPerSec / copyRowsPerSec,
      peakRssMb: Math.round(peakRss / 1e6),
      rssAtQuartersMb: quarters,
      definitionsPerKind,
      cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
      clientCpuMicrosPerEvent: client.cpuMicros / events,
    };
  } finally {
    await sql`drop table if exists bench_copy_events`;
    await sql`delete from organizations where id = ${org.id}`;
    // Leave no dead rows behind: the next run would otherwise pay for this one's bloat.
    await sql`vacuum events, view_states, sessions, users, anonymous_devices`;
    await sql.end();
    rmSync(dir, { recursive: true, force: true });
    server.close();
    await app.close();
    await db.close();
  }
}

export function printCaptureResult(r: CaptureBenchResult): void {
  console.log(`capture: ${r.events} events, ${r.definitionsPerKind} active definitions of each kind`);
  console.log(
    `  ${r.protocol === 'segment' ? 'Segment POST /v1/batch  ' : 'native capture endpoint '} ${Math.round(r.captureEventsPerSec).toLocaleString('en')} events/s`,
  );
  console.log(`  raw COPY baseline        ${Math.round(r.copyRowsPerSec).toLocaleString('en')} rows/s`);
  console.log(`  ratio                    ${r.ratio.toFixed(2)} (target >= 0.50)`);
  console.log(
    `  CPU                      ${r.cpuMicrosPerEvent.toFixed(1)} µs/event in the server, ${r.clientCpuMicrosPerEvent.toFixed(1)} µs/event in the load generator`,
  );
  console.log(`  peak RSS                 ${r.peakRssMb} MB (at 25/50/75/100%: ${r.rssAtQuartersMb.join(' / ')} MB)`);
}

/**
 * The Segment-shaped batch endpoint against the native one, measured in the same run (target: at
 * least 0.8 of it): best throughput and mean CPU of each, as printDefinitionsCost.
 */
export function printSegmentRatio(results: CaptureBenchResult[]): void {
  const of = (protocol: CaptureBenchResult['protocol']) => results.filter((r) => r.protocol === protocol);
  const best = (rs: CaptureBenchResult[]) => Math.max(...rs.map((r) => r.captureEventsPerSec));
  const cpu = (rs: CaptureBenchResult[]) => rs.reduce((sum, r) => sum + r.cpuMicrosPerEvent, 0) / rs.length;
  const [native, segment] = [of('native'), of('segment')];
  console.log(
    `Segment-shaped against native capture (same run, best of ${native.length} runs each, ${native[0]?.events ?? 0} events a run)`,
  );
  console.log(
    `  native POST /capture/v1/batch  ${Math.round(best(native)).toLocaleString('en')} events/s, ${cpu(native).toFixed(1)} µs CPU/event`,
  );
  console.log(
    `  Segment POST /v1/batch         ${Math.round(best(segment)).toLocaleString('en')} events/s, ${cpu(segment).toFixed(1)} µs CPU/event`,
  );
  console.log(`  ratio                          ${(best(segment) / best(native)).toFixed(2)} (target >= 0.80)`);
  // throughput swings with whatever else the machine runs; CPU per event much less (bench/capture.ts)
  console.log(
    `  CPU ratio (native / Segment)   ${(cpu(native) / cpu(segment)).toFixed(2)} (this process only: the load generator and Postgres not counted)`,
  );
}

/** Capture with definitions against without, measured in the same run: best throughput and mean CPU of each. */
export function printDefinitionsCost(without: CaptureBenchResult[], withDefinitions: CaptureBenchResult[]): void {
  const best = (rs: CaptureBenchResult[]) => Math.max(...rs.map((r) => r.captureEventsPerSec));
  const cpu = (rs: CaptureBenchResult[]) => rs.reduce((sum, r) => sum + r.cpuMicrosPerEvent, 0) / rs.length;
  const ratio = best(withDefinitions) / best(without);
  console.log(`definitions: ${withDefinitions[0]?.definitionsPerKind ?? 0} of each kind (best of ${without.length} runs each)`);
  console.log(
    `  without definitions      ${Math.round(best(without)).toLocaleString('en')} events/s, ${cpu(without).toFixed(1)} µs CPU/event`,
  );
  console.log(
    `  with definitions         ${Math.round(best(withDefinitions)).toLocaleString('en')} events/s, ${cpu(withDefinitions).toFixed(1)} µs CPU/event`,
  );
  console.log(`  throughput ratio         ${ratio.toFixed(2)} (target >= 0.80)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('bench/capture.ts needs DATABASE_URL (a real Postgres test database)');
    process.exit(2);
  }
  const [events = '200000', clients = '64', per = '100', definitions = '200'] = process.argv.slice(2);
  // Without, with, with, without: drift of the machine or of the database hits both alike.
  const results: CaptureBenchResult[] = [];
  for (const perKind of Number(definitions) > 0 ? [0, Number(definitions), Number(definitions), 0] : [0]) {
    const result = await benchCapture(url, Number(events), Number(clients), Number(per), { definitionsPerKind: perKind });
    printCaptureResult(result);
    results.push(result);
  }
  if (Number(definitions) > 0) {
    printDefinitionsCost(
      results.filter((r) => r.definitionsPerKind === 0),
      results.filter((r) => r.definitionsPerKind > 0),
    );
  }
}
