import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { createApp, type App } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { openPglite, openPostgres, type Database } from '../../server/db/client.ts';
import { createOrganization } from '../../server/db/queries/organizations.ts';
import { testPostgresUrl } from './requirements.ts';

/** The store for integration tests: the real Postgres of DATABASE_URL (CI), else embedded PGlite. */
export async function openTestDatabase(): Promise<Database> {
  const url = testPostgresUrl();
  return url ? openPostgres(url, { max: 5 }) : openPglite(undefined);
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
  app: App;
  db: Database;
  config: Config;
  org: TestOrg;
  gql<T = any>(query: string, variables?: Record<string, unknown>, key?: string): Promise<{ status: number; body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] } }>;
  post(path: string, body: unknown, init?: { key?: string | null; headers?: Record<string, string>; raw?: string }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** Builds the app on a test database, listens on a free loopback port, and creates an organization. */
export async function startTestApp(options: { env?: Record<string, string>; db?: Database } = {}): Promise<TestApp> {
  const db = options.db ?? (await openTestDatabase());
  const config = loadConfig({ PORT: '0', TRIBUTARY_SYNC_ENABLED: 'false', ...options.env });
  const app = createApp({ config, db });
  const server = http.createServer((req, res) => void app.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const org = await createTestOrg(db);
  return {
    url,
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
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      if (!options.db) await db.close();
    },
  };
}
