import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/client.ts';
import { createTestOrg, openTestDatabase, startTestApp, TEST_SECRET_KEY, type TestOrg } from '../support/app.ts';
import { parseScrape, sampleOf } from '../support/prometheus.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';
import { startArguments } from '../support/start-command.ts';

// Issue #16: SIGTERM under capture load loses no acknowledged event and leaves no run `running`;
// /readyz answers ready only when the database answers with every migration applied.

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const hasPostgres = requirement('a real Postgres', testPostgresUrl() !== undefined, 'set DATABASE_URL to a test database');
const SHUTDOWN_SECONDS = 12;

describe.runIf(hasPostgres)('SIGTERM to the real server process', () => {
  let store: { db: Database; url: string | undefined; drop(): Promise<void> };
  let org: TestOrg;
  let child: ChildProcess | undefined;
  let stalled: net.Server;
  const stalledSockets: net.Socket[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-shutdown-'));

  beforeAll(async () => {
    store = await openTestDatabase();
    org = await createTestOrg(store.db, 'shutdown');
    // a warehouse that accepts connections and never answers: its sync runs until interrupted
    stalled = net.createServer((socket) => stalledSockets.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    for (const socket of stalledSockets) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
    await store.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers in-flight capture after commit, stores every acknowledged event, releases the running sync and exits in time', async () => {
    const lines: string[] = [];
    const proc = spawn(process.execPath, startArguments(), {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: store.url,
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        TRIBUTARY_SECRET_KEY: TEST_SECRET_KEY,
        TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '127.0.0.0/8',
        TRIBUTARY_CAPTURE_RATE_LIMIT: '100000000',
        TRIBUTARY_SHUTDOWN_SECONDS: String(SHUTDOWN_SECONDS),
        TRIBUTARY_DEMO: 'false',
        TRIBUTARY_METRICS_LISTEN: '127.0.0.1:0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    let metricsUrl = '';
    const base = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const parts = buffer.split('\n');
        buffer = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          const record = JSON.parse(line) as { msg: string; graphql?: string; metrics?: string };
          if (record.msg === 'Tributary is running') {
            metricsUrl = record.metrics!;
            resolve(record.graphql!.replace(/\/graphql$/, ''));
          }
        }
      });
      void exited.then((code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
    });
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const gql = async (query: string, variables: Record<string, unknown>) => {
      const r = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${org.keys.admin}` },
        body: JSON.stringify({ query, variables }),
      });
      return (await r.json()) as any;
    };
    const port = (stalled.address() as net.AddressInfo).port;
    const created = await gql(
      `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`,
      {
        input: {
          name: 'stalled',
          pluginId: 'postgres',
          config: { host: '127.0.0.1', port, database: 'wh', user: 'u', password: 'p', connectTimeoutSeconds: 300 },
        },
      },
    );
    const destinationId = created.data.createDestination.data.id as string;
    await gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id: destinationId });
    await waitFor(
      async () =>
        (await store.db.rows(sql`select 1 from sync_runs where destination_id = ${destinationId} and status = 'running'`)).length === 1,
    );

    // capture load: workers send batches until the server stops answering
    const acknowledged: string[] = [];
    const refusedAnswers: number[] = [];
    let sent = 0;
    let stopping = false;
    const worker = async (w: number) => {
      for (let i = 0; ; i++) {
        const ids = Array.from({ length: 20 }, (_, j) => `w${w}-${i}-${j}`);
        try {
          const r = await fetch(`${base}/capture/v1/batch`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${org.keys.capture}` },
            body: JSON.stringify({
              device_id: String(7000 + w),
              session_id: '1',
              events: ids.map((id, j) => ({
                id,
                seq: i * 20 + j,
                view_id: String(i),
                type: 'custom',
                time: Date.now(),
                properties: { event_name: 'load' },
              })),
            }),
          });
          sent++;
          await r.arrayBuffer();
          if (r.status === 202) acknowledged.push(...ids.map((id) => `${7000 + w}:${id}`));
          else refusedAnswers.push(r.status);
        } catch {
          // refused or reset: the server stopped accepting
          if (stopping) return;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await waitFor(async () => acknowledged.length >= 2_000);
    // the separate metrics listener answers without a key, during the load
    const scrape = parseScrape(await (await fetch(metricsUrl)).text());
    expect(sampleOf(scrape, 'tributary_capture_requests_total', { endpoint: '/capture/v1/batch', status: '202' })).toBeGreaterThan(0);
    expect(sampleOf(scrape, 'tributary_store_flush_duration_seconds')).toBeGreaterThan(0);
    expect((await fetch(metricsUrl.replace('/metrics', '/graphql'))).status).toBe(404);
    const signalled = Date.now();
    stopping = true;
    proc.kill('SIGTERM');
    const code = await exited;
    const took = Date.now() - signalled;
    await Promise.all(workers);

    expect(code, stderr).toBe(0);
    expect(took).toBeLessThan(SHUTDOWN_SECONDS * 1000);
    // requests refused with an answer are not acknowledged; none should be a failure of the store
    expect(refusedAnswers.filter((s) => s >= 500)).toEqual([]);
    expect(sent).toBeGreaterThan(100);

    const stored = new Set(
      (await store.db.rows<{ k: string }>(sql`select dedup_key as k from events where org_id = ${org.orgId}`)).map((r) => r.k),
    );
    const lost = acknowledged.filter((k) => !stored.has(k));
    expect(lost, `${lost.length} of ${acknowledged.length} acknowledged events are not stored`).toEqual([]);

    expect(await store.db.rows(sql`select id from sync_runs where status in ('running', 'queued')`)).toEqual([]);
    const [run] = await store.db.rows<{ status: string; details: { interrupted?: boolean; failing?: boolean } }>(
      sql`select status, details from sync_runs where destination_id = ${destinationId} order by queued_time desc limit 1`,
    );
    expect(run).toMatchObject({ status: 'failed', details: { interrupted: true, failing: false } });
    const [dest] = await store.db.rows<{ lease_owner: string | null; consecutive_failures: number; due: boolean }>(
      sql`select lease_owner, consecutive_failures, next_run_time <= now() as due from destinations where id = ${destinationId}`,
    );
    expect(dest).toEqual({ lease_owner: null, consecutive_failures: 0, due: true });

    const records = lines.filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['stopping', 'stopped']));
  });
});

describe('GET /readyz', () => {
  it('is ready with every migration applied, not while one is pending nor once stopping', async () => {
    const t = await startTestApp();
    try {
      const ready = await fetch(`${t.url}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
      const [last] = await t.db.rows<{ id: number; hash: string; created_at: string }>(
        sql`select id, hash, created_at::text as created_at from drizzle.__drizzle_migrations order by id desc limit 1`,
      );
      await t.db.rows(sql`delete from drizzle.__drizzle_migrations where id = ${last!.id}`);
      const pending = await fetch(`${t.url}/readyz`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toMatchObject({ status: 'migrations pending', pending: [expect.any(String)] });
      await t.db.rows(
        sql`insert into drizzle.__drizzle_migrations (id, hash, created_at) values (${last!.id}, ${last!.hash}, ${last!.created_at}::bigint)`,
      );
      expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
      t.app.beginShutdown(0);
      const stopping = await fetch(`${t.url}/readyz`);
      expect([stopping.status, await stopping.json(), stopping.headers.get('connection')]).toEqual([503, { status: 'stopping' }, 'close']);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
