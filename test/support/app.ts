import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { createApp, type App, type AppDeps } from '../../server/app.ts';
import { createLogger } from '../../server/log.ts';

/** Encrypts destination credentials in tests (a fixed key, never used outside tests). */
export const TEST_SECRET_KEY = '0f'.repeat(32);
import { loadConfig, type Config } from '../../server/config.ts';
import { openPglite, openPostgres, type Database } from '../../server/db/client.ts';
import { createOrganization } from '../../server/db/queries/organizations.ts';
import postgres from 'postgres';
import { testPostgresUrl } from './requirements.ts';

/**
 * The store for integration tests: a database of its own on the real Postgres of DATABASE_URL
 * (CI), else embedded PGlite. Its own database, because the sync scheduler claims any due
 * destination of its database, and test files run in parallel.
 */
export async function openTestDatabase(): Promise<{ db: Database; url: string | undefined; drop(): Promise<void> }> {
  const base = testPostgresUrl();
  if (!base) {
    const db = await openPglite(undefined);
    return { db, url: undefined, drop: () => db.close() };
  }
  const name = `${new URL(base).pathname.slice(1)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = Object.assign(new URL(base), { pathname: `/${name}` }).toString();
  const db = await openPostgres(url, { max: 5 });
  return {
    db,
    url,
    async drop() {
      await db.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

export interface TestOrg {
  orgId: string;
  keys: { admin: string; architect: string; analyst: string; capture: string };
}

/** A fresh organization with one key per role: test files never see each other's data. */
export async function createTestOrg(db: Database, name = 'test org'): Promise<TestOrg> {
  const org = await createOrganization(db, name);
  const keys = {} as TestOrg['keys'];
  for (const role of ['admin', 'architect', 'analyst', 'capture'] as const) {
    keys[role] = (await createApiKey(db, { orgId: org.id, name: `${role} key`, role, createdBy: 'test' })).key;
  }
  return { orgId: org.id, keys };
}

export interface TestApp {
  url: string;
  /** The Postgres URL of this app's own test database (undefined on PGlite). */
  databaseUrl: string | undefined;
  app: App;
  db: Database;
  /** Its destination files live in `config.destinationFilesDir`. */
  config: Config;
  org: TestOrg;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string,
  ): Promise<{ status: number; body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } }>;
  post(
    path: string,
    body: unknown,
    init?: { key?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /**
   * Sends events of one device and view (session 1) to the native batch endpoint, each with a
   * fresh client id and sequence number; throws unless the endpoint accepts them all.
   */
  capture(device: string, view: string, events: Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}

let captureSeq = 0;

/**
 * Builds the app on a test database, listens on a free loopback port, and creates an organization.
 * The test warehouses run on this machine, so loopback destinations are allowed explicitly
 * (override with `env`); destination files go to a fresh folder unless `env` names one.
 */
export async function startTestApp(
  options: { env?: Record<string, string | undefined>; db?: Database; appDeps?: Partial<AppDeps> } = {},
): Promise<TestApp> {
  const own = options.db ? undefined : await openTestDatabase();
  const db = options.db ?? own!.db;
  const filesDir = options.env?.TRIBUTARY_DESTINATION_FILES_DIR ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-files-'));
  const config = loadConfig({
    PORT: '0',
    TRIBUTARY_SYNC_ENABLED: 'false',
    TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '127.0.0.0/8,::1',
    ...(filesDir ? { TRIBUTARY_DESTINATION_FILES_DIR: filesDir } : {}),
    ...options.env,
  });
  const app = await createApp({
    config,
    db,
    secretKeyHex: TEST_SECRET_KEY,
    // what goes wrong shows in the test output; a test looking at the log passes its own
    log: createLogger('warn'),
    syncOptions: { retryBaseMs: 10, leaseMs: 5_000 },
    ...options.appDeps,
  });
  const server = http.createServer((req, res) => void app.handle(req, res));
  server.on('clientError', app.handleClientError);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const org = await createTestOrg(db);
  const testApp: TestApp = {
    url,
    databaseUrl: own?.url,
    app,
    db,
    config,
    org,
    async gql(query, variables, key = org.keys.admin) {
      const response = await app.yoga.fetch('http://localhost/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: await response.json() };
    },
    async post(path, body, init = {}) {
      const key = init.key === undefined ? org.keys.capture : init.key;
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...init.headers },
        body: init.raw ?? JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON: keep the text for the assertion message */
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async capture(device, view, events) {
      const r = await testApp.post('/capture/v1/batch', {
        sdk: { name: 'tributary-web', version: '0.1.0' },
        device_id: device,
        session_id: '1',
        events: events.map((e) => ({ id: `c${++captureSeq}`, seq: captureSeq, view_id: view, ...e })),
      });
      if (r.status !== 202) throw new Error(`capture answered ${r.status}: ${JSON.stringify(r.body)}`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      await own?.drop();
      if (filesDir) fs.rmSync(filesDir, { recursive: true, force: true });
    },
  };
  return testApp;
}
