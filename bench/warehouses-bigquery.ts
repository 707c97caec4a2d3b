/**
 * Sync benchmark of the BigQuery destination through the real @google-cloud/bigquery SDK against
 * the protocol fake (DuckDB behind it), which runs in its own process so the peak RSS printed for
 * this process is the plugin's (plus the SDK's), not the fake's.
 *
 *   npx tsx bench/warehouses-bigquery.ts [rows=200000]
 *
 * Prints rows/s of one sync (ensureTables not included), the jobs and HTTP round trips it cost,
 * and the same rows loaded by a bare SDK load job (no MERGE, no staging clear) as the baseline.
 * The absolute figures are the fake's (DuckDB on this machine, loopback), not BigQuery's: real
 * BigQuery adds seconds of job latency per job and the upload runs at the network's speed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { OAuth2Client } from 'google-auth-library';
import { createBigqueryDestination } from '../plugins/bigquery/index.ts';
import { eventLine } from '../plugins/bigquery/ndjson.ts';
import { parseDestinationConfig, silentLogger } from '../plugins/sdk/index.ts';
import { benchBatches } from './sync-destinations.ts';

process.env.METADATA_SERVER_DETECTION = 'none';

const rows = Number(process.argv[2] ?? 200_000);
const here = dirname(fileURLToPath(import.meta.url));

interface Stats {
  requests: number;
  statements: number;
  byApi: Record<string, number>;
  rssMb: number;
}

function staticToken(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'fake', expiry_date: Date.now() + 24 * 3600 * 1000 });
  return client;
}

async function startFake(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, '../test/fakes/bigquery-fake-server.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const { url } = JSON.parse(line) as { url: string };
    return { url, stop: () => child.kill('SIGTERM') };
  }
  throw new Error('the fake did not start');
}

async function stats(url: string): Promise<Stats> {
  return (await (await fetch(`${url}/_fake/stats`)).json()) as Stats;
}

async function reset(url: string): Promise<void> {
  await fetch(`${url}/_fake/reset`, { method: 'POST' });
}

const fake = await startFake();
try {
  const destination = createBigqueryDestination({ authClient: staticToken(), pollIntervalMs: 50 });
  const config = parseDestinationConfig(destination, {
    projectId: 'test-proj',
    datasetId: 'bench',
    apiEndpoint: fake.url,
    serviceAccountKey: JSON.stringify({ type: 'service_account', client_email: 'x', private_key: placeholderKey() }),
  });
  const statements: string[] = [];
  const connection = await destination.connect(config, { logger: silentLogger, onStatement: (s) => statements.push(s) });
  await connection.ensureTables();
  await reset(fake.url);
  statements.length = 0;

  const started = performance.now();
  const result = await connection.loadEvents(benchBatches(rows));
  const seconds = (performance.now() - started) / 1000;
  const syncStats = await stats(fake.url);
  const jobs = statements.length;

  // Re-sync of the same rows: the MERGE matches every row and changes none.
  await reset(fake.url);
  const againStarted = performance.now();
  const again = await connection.loadEvents(benchBatches(rows));
  const againSeconds = (performance.now() - againStarted) / 1000;
  const againStats = await stats(fake.url);
  await connection.close();
  const pluginRssMb = Math.round(process.resourceUsage().maxRSS / 1024);

  // Baseline: the same rows as NDJSON, one bare SDK load job into a table, nothing else.
  const bigquery = new BigQuery({ projectId: 'test-proj', apiEndpoint: fake.url, authClient: staticToken(), autoRetry: false });
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bq-bench-'));
  const baselineStarted = performance.now();
  const file = join(dir, 'rows.ndjson');
  const out = createWriteStream(file);
  for await (const batch of benchBatches(rows)) {
    let chunk = '';
    for (const row of batch) chunk += eventLine(row);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await finished(out);
  const [job] = await bigquery.dataset('bench').table('raw_events').load(file, {
    sourceFormat: 'NEWLINE_DELIMITED_JSON',
    writeDisposition: 'WRITE_TRUNCATE',
  });
  const baselineSeconds = (performance.now() - baselineStarted) / 1000;
  await rm(dir, { recursive: true, force: true });
  void job;

  const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
  console.log(`BigQuery destination vs protocol fake (DuckDB), ${rows.toLocaleString('en-US')} rows`);
  console.log(
    `  first sync : ${seconds.toFixed(2)} s, ${rate(rows, seconds)} rows/s, merged ${result.rowsMerged}, ` +
      `${Math.round(result.bytes / rows)} bytes/row`,
  );
  console.log(`               jobs ${jobs}, HTTP round trips ${syncStats.requests} ${JSON.stringify(syncStats.byApi)}`);
  console.log(`  re-sync    : ${againSeconds.toFixed(2)} s, ${rate(rows, againSeconds)} rows/s, merged ${again.rowsMerged}`);
  console.log(`               HTTP round trips ${againStats.requests} ${JSON.stringify(againStats.byApi)}`);
  console.log(
    `  baseline   : bare SDK load job of the same NDJSON ${baselineSeconds.toFixed(2)} s, ${rate(rows, baselineSeconds)} rows/s; ` +
      `sync/baseline ratio ${(baselineSeconds / seconds).toFixed(2)}`,
  );
  console.log(`  peak RSS   : bench process (plugin + SDK) ${pluginRssMb} MB; fake process now ${againStats.rssMb} MB`);
} finally {
  fake.stop();
}

// The fake accepts the static token, so the key is never used; the config still needs a valid one.
function placeholderKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
