/**
 * Destination secrets stay bound to their target, destinations reach only the hosts the operator
 * allows, and DuckDB files stay under one folder, one destination per file (security issue #11).
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testServiceAccount } from '../fakes/bigquery-helpers.ts';
import { startPostgresAuthFake, type PostgresAuthFake } from '../fakes/postgres-auth-fake.ts';
import { createTestOrg, openTestDatabase, startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';

const CREATE = `mutation($input: DestinationInput!) { createDestination(input: $input) {
  __typename ... on DestinationCreated { data { id config secretFieldsSet clearedSecrets } }
  ... on ValidationError { code message field } } }`;
const UPDATE = `mutation($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) {
  __typename ... on DestinationUpdated { data { id config secretFieldsSet clearedSecrets } }
  ... on ValidationError { code message field } } }`;
const TEST = `mutation($id: ID!) { testDestinationConnection(id: $id) {
  __typename ... on ConnectionTested { data { step ok message } }
  ... on ValidationError { code message } } }`;
const RUNS = `query($id: ID!) { destination(id: $id) { clearedSecrets runs(first: 1) { nodes { status error errorKind } } } }`;

let store: Awaited<ReturnType<typeof openTestDatabase>>;
/** Loopback destinations and endpoint overrides allowed: the fakes run on this machine. */
let t: TestApp;
/** A server with its own Postgres and the default policy: no private address, no override. */
let strict: TestApp;

beforeAll(async () => {
  store = await openTestDatabase();
  t = await startTestApp({ db: store.db, env: { TRIBUTARY_ALLOW_ENDPOINT_OVERRIDES: 'true' } });
  strict = await startTestApp({
    db: store.db,
    env: { DATABASE_URL: 'postgres://store.invalid/tributary', TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: undefined },
  });
});
afterAll(async () => {
  await strict?.close();
  await t?.close();
  await store?.drop();
});

async function create(app: TestApp, input: Record<string, unknown>, key = app.org.keys.admin) {
  const r = await app.gql(CREATE, { input: { name: 'd', enabled: false, ...input } }, key);
  expect(r.body.errors).toBeUndefined();
  return r.body.data.createDestination;
}

async function createOk(app: TestApp, input: Record<string, unknown>, key = app.org.keys.admin): Promise<string> {
  const result = await create(app, input, key);
  expect(result.__typename, JSON.stringify(result)).toBe('DestinationCreated');
  return result.data.id;
}

async function update(app: TestApp, id: string, input: Record<string, unknown>, key = app.org.keys.architect) {
  const r = await app.gql(UPDATE, { id, input }, key);
  expect(r.body.errors).toBeUndefined();
  return r.body.data.updateDestination;
}

async function testConnection(app: TestApp, id: string, key = app.org.keys.architect) {
  const r = await app.gql(TEST, { id }, key);
  expect(r.body.errors).toBeUndefined();
  return r.body.data.testDestinationConnection;
}

describe('secrets stay bound to their target', () => {
  let fakes: PostgresAuthFake[] = [];
  afterEach(async () => {
    await Promise.all(fakes.map((fake) => fake.close()));
    fakes = [];
  });
  const fake = async () => {
    const started = await startPostgresAuthFake();
    fakes.push(started);
    return started;
  };

  it('postgres: moving the port drops the password, the API says so, and the old password goes nowhere', async () => {
    const admins = await fake();
    const elsewhere = await fake();
    const id = await createOk(t, {
      pluginId: 'postgres',
      config: { host: '127.0.0.1', port: admins.port, database: 'wh', user: 'warehouse', password: 'admin-s3cret' },
    });
    // the fake sees a password a client sends it
    expect((await testConnection(t, id)).data[0]).toMatchObject({ step: 'connect', ok: false });
    expect(admins.passwords).toEqual(['admin-s3cret']);

    const moved = await update(t, id, { config: { port: elsewhere.port } });
    expect(moved.__typename).toBe('DestinationUpdated');
    expect(moved.data).toMatchObject({ clearedSecrets: ['password'], secretFieldsSet: false, config: { port: elsewhere.port } });

    const tested = await testConnection(t, id);
    expect(tested).toMatchObject({ __typename: 'ValidationError', code: 'SECRETS_REQUIRED' });
    expect(tested.message).toContain('password');
    await t.gql(`mutation($id: ID!) { enableDestination(id: $id) { __typename } }`, { id });
    await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
    await t.app.sync.scheduler.runDue();
    const runs = (await t.gql(RUNS, { id })).body.data.destination;
    expect(runs.runs.nodes[0]).toMatchObject({ status: 'failed', errorKind: 'config' });
    expect(runs.runs.nodes[0].error).toMatch(/secrets were cleared.*password/);
    expect(elsewhere.startups).toEqual([]);
    expect(elsewhere.passwords).toEqual([]);

    // whoever moves it gives a password of their own; the admin's is gone for good
    const given = await update(t, id, { config: { password: 'architect-own' } });
    expect(given.data).toMatchObject({ clearedSecrets: [], secretFieldsSet: true });
    await testConnection(t, id);
    expect(elsewhere.passwords).toEqual(['architect-own']);
    expect(admins.passwords).toEqual(['admin-s3cret']);
  });

  it('postgres: other changes keep the secrets; a host change without them clears them', async () => {
    const admins = await fake();
    const id = await createOk(t, {
      pluginId: 'postgres',
      config: { host: '127.0.0.1', port: admins.port, database: 'wh', user: 'warehouse', password: 'admin-s3cret', schema: 'a' },
    });
    // not a target: the schema, a timeout, the port written out as it was
    expect((await update(t, id, { config: { schema: 'b', connectTimeoutSeconds: 5, port: admins.port } })).data.clearedSecrets).toEqual([]);
    await testConnection(t, id);
    expect(admins.passwords).toEqual(['admin-s3cret']);
    for (const change of [{ host: 'localhost' }, { user: 'postgres' }, { database: 'other' }, { ssl: 'disable' }]) {
      const fresh = await createOk(t, {
        pluginId: 'postgres',
        config: { host: '127.0.0.1', database: 'wh', user: 'warehouse', password: 'p' },
      });
      expect((await update(t, fresh, { config: change })).data.clearedSecrets, JSON.stringify(change)).toEqual(['password']);
    }
    // null goes without: a password-less login, sent as such
    const fresh = await createOk(t, {
      pluginId: 'postgres',
      config: { host: '127.0.0.1', port: 1, database: 'wh', user: 'warehouse', password: 'p' },
    });
    const without = await update(t, fresh, { config: { port: admins.port, password: null } });
    expect(without.data).toMatchObject({ clearedSecrets: [], secretFieldsSet: false });
    await testConnection(t, fresh);
    expect(admins.passwords).toEqual(['admin-s3cret', '']);
  });

  it("postgres: a destination without a password never sends the server's own PGPASSWORD", async () => {
    const listener = await fake();
    const id = await createOk(t, {
      pluginId: 'postgres',
      config: { host: '127.0.0.1', port: listener.port, database: 'wh', user: 'warehouse' },
    });
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = 'the-servers-own-password';
    try {
      await testConnection(t, id);
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
    expect(listener.passwords).toEqual(['']);
  });

  const account = testServiceAccount();
  const HTTP_PLUGINS = [
    {
      pluginId: 'bigquery',
      endpointField: 'apiEndpoint',
      config: (url: string) => ({ projectId: 'test-proj', datasetId: 'analytics', serviceAccountKey: account.keyJson, apiEndpoint: url }),
      secrets: ['serviceAccountKey'],
      // a bearer token signed with the key
      credentialIn: (request: RecordedRequest) => /^Bearer .+/.test(request.headers.authorization ?? ''),
      reply: {
        status: 401,
        body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
      },
    },
    {
      pluginId: 'snowflake',
      endpointField: 'accessUrl',
      config: (url: string) => ({
        account: 'acme',
        username: 'loader',
        password: 'admin-s3cret',
        warehouse: 'wh',
        database: 'db',
        accessUrl: url,
      }),
      secrets: ['password'],
      credentialIn: (request: RecordedRequest) => request.body.includes('admin-s3cret'),
      reply: {
        status: 200,
        body: {
          data: { nextAction: 'RETRY_LOGIN' },
          code: '390100',
          message: 'Incorrect username or password was specified.',
          success: false,
        },
      },
    },
  ];

  it.each(HTTP_PLUGINS)('$pluginId: moving the endpoint drops the credentials and the new endpoint receives none', async (plugin) => {
    const admins = await startRecordingServer(plugin.reply);
    const elsewhere = await startRecordingServer(plugin.reply);
    try {
      const id = await createOk(t, { pluginId: plugin.pluginId, config: plugin.config(admins.url) });
      // the listener sees a credential a client sends it
      await testConnection(t, id);
      expect(admins.requests.some(plugin.credentialIn)).toBe(true);

      const moved = await update(t, id, { config: { [plugin.endpointField]: elsewhere.url } });
      expect(moved.data).toMatchObject({ clearedSecrets: plugin.secrets, secretFieldsSet: false });
      expect(await testConnection(t, id)).toMatchObject({ __typename: 'ValidationError', code: 'SECRETS_REQUIRED' });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await admins.close();
      await elsewhere.close();
    }
  });
});

describe('endpoint overrides', () => {
  it('are refused unless the operator allows them, at create, update and connect', async () => {
    const bigquery = { projectId: 'test-proj', datasetId: 'analytics', serviceAccountKey: testServiceAccount().keyJson };
    for (const [pluginId, config] of [
      ['bigquery', { ...bigquery, apiEndpoint: 'https://bigquery.googleapis.com' }],
      [
        'snowflake',
        {
          account: 'acme',
          username: 'u',
          password: 'p',
          warehouse: 'w',
          database: 'd',
          accessUrl: 'https://acme.privatelink.snowflakecomputing.com',
        },
      ],
      [
        'redshift',
        {
          region: 'us-east-1',
          workgroupName: 'wg',
          database: 'd',
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 's',
          s3Bucket: 'tributary-load',
          iamRoleArn: 'arn:aws:iam::123456789012:role/tributary-copy',
          endpoint: 'https://vpce.example.com',
        },
      ],
    ] as const) {
      const refused = await create(strict, { pluginId, config });
      expect(refused, pluginId).toMatchObject({ __typename: 'ValidationError', code: 'ENDPOINT_OVERRIDE_NOT_ALLOWED' });
    }
    const id = await createOk(strict, { pluginId: 'bigquery', config: bigquery });
    expect(await update(strict, id, { config: { apiEndpoint: 'https://bigquery.googleapis.com' } })).toMatchObject({
      code: 'ENDPOINT_OVERRIDE_NOT_ALLOWED',
    });

    // stored while allowed, refused once the operator no longer allows it
    const stored = await createOk(t, { pluginId: 'bigquery', config: { ...bigquery, apiEndpoint: 'http://127.0.0.1:1' } });
    await expect(strict.app.sync.destinations.test(t.org.orgId, stored)).rejects.toMatchObject({ code: 'ENDPOINT_OVERRIDE_NOT_ALLOWED' });
  });
});

describe('destination hosts', () => {
  const postgresAt = (host: string) => ({ pluginId: 'postgres', config: { host, database: 'wh', user: 'u', password: 'p' } });

  it('refuses private, loopback, link-local and metadata addresses by default, in any spelling', async () => {
    for (const host of [
      '127.0.0.1',
      '127.1',
      '2130706433',
      '0.0.0.0',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.10',
      '100.64.0.1',
      '169.254.169.254',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      'fd00:ec2::254',
      'fe80::1',
    ]) {
      expect(await create(strict, postgresAt(host)), host).toMatchObject({
        __typename: 'ValidationError',
        code: 'DESTINATION_HOST_NOT_ALLOWED',
        field: 'host',
      });
    }
    for (const host of ['db.example.com,127.0.0.1', '/var/run/postgresql', 'db.example.com:5432', 'user@db.example.com']) {
      expect(await create(strict, postgresAt(host)), host).toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED' });
    }
    const inUrl = await create(strict, { pluginId: 'postgres', config: { url: 'postgres://u:p@169.254.169.254:5432/wh' } });
    expect(inUrl).toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED', field: 'url' });
    expect(inUrl.message).not.toContain('u:p');
    await createOk(strict, postgresAt('db.example.com'));
    await createOk(strict, postgresAt('34.120.1.2'));
  });

  it('allows the private networks and only the hosts the operator names', async () => {
    const privateOk = await startTestApp({ db: store.db, env: { TRIBUTARY_DESTINATION_PRIVATE_NETWORKS: '10.0.0.0/8' } });
    const listed = await startTestApp({
      db: store.db,
      env: { TRIBUTARY_DESTINATION_HOSTS: '*.corp.example, warehouse.example.com, 34.120.0.0/16' },
    });
    try {
      await createOk(privateOk, postgresAt('10.1.2.3'));
      expect(await create(privateOk, postgresAt('169.254.169.254'))).toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED' });
      for (const host of ['db.corp.example', 'WAREHOUSE.example.com', '34.120.1.2']) await createOk(listed, postgresAt(host));
      for (const host of ['corp.example', 'db.corp.example.evil.com', 'other.example.com', '35.1.1.1']) {
        expect(await create(listed, postgresAt(host)), host).toMatchObject({ code: 'DESTINATION_HOST_NOT_ALLOWED' });
      }
    } finally {
      await privateOk.close();
      await listed.close();
    }
  });

  it('resolves host names when connecting and refuses one that points at a private address', async () => {
    // localhost passes the checks at create (a name, not an address): DNS decides when connecting
    const id = await createOk(strict, postgresAt('localhost'));
    const tested = await testConnection(strict, id);
    expect(tested).toMatchObject({ __typename: 'ValidationError', code: 'DESTINATION_HOST_NOT_ALLOWED' });
    expect(tested.message).toContain('localhost resolves to a private');
    await strict.gql(`mutation($id: ID!) { enableDestination(id: $id) { __typename } }`, { id });
    await strict.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id });
    await strict.app.sync.scheduler.runDue();
    const run = (await strict.gql(RUNS, { id })).body.data.destination.runs.nodes[0];
    expect(run).toMatchObject({ status: 'failed', errorKind: 'config' });
    expect(run.error).toContain('localhost resolves to a private');
    await strict.gql(`mutation($id: ID!) { disableDestination(id: $id) { __typename } }`, { id });
  });
});

describe('DuckDB files', () => {
  const duckdb = (filePath: string) => ({ pluginId: 'duckdb', config: { path: filePath } });

  it('refuses absolute paths, .., folders and symbolic links out of the folder', async () => {
    const root = t.config.destinationFilesDir;
    fs.mkdirSync(path.join(root, 'folder.duckdb'), { recursive: true });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tributary-outside-'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    try {
      for (const [filePath, code] of [
        ['/tmp/warehouse.duckdb', 'INVALID_FILE_PATH'],
        [path.join(root, 'warehouse.duckdb'), 'INVALID_FILE_PATH'],
        ['../warehouse.duckdb', 'INVALID_FILE_PATH'],
        ['team/../../warehouse.duckdb', 'INVALID_FILE_PATH'],
        ['.hidden.duckdb', 'INVALID_FILE_PATH'],
        ['escape/warehouse.duckdb', 'INVALID_FILE_PATH'],
        ['folder.duckdb', 'FILE_PATH_NOT_A_FILE'],
      ]) {
        expect(await create(t, duckdb(filePath!), t.org.keys.architect), filePath).toMatchObject({
          __typename: 'ValidationError',
          code,
          field: 'path',
        });
      }
      // DuckDB's own companion files are not database files
      expect(await create(t, duckdb('warehouse.duckdb.wal'))).toMatchObject({ code: 'INVALID_CONFIG' });
      expect(fs.readdirSync(outside)).toEqual([]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses another destination's file, whatever the organization or the spelling", async () => {
    const other = await createTestOrg(t.db, 'another org');
    await createOk(t, duckdb('shared.duckdb'));
    for (const spelling of ['shared.duckdb', './shared.duckdb', 'SHARED.duckdb']) {
      expect(await create(t, duckdb(spelling), other.keys.architect), spelling).toMatchObject({ code: 'FILE_PATH_IN_USE' });
    }
    const mine = await createOk(t, duckdb('mine.duckdb'), other.keys.architect);
    expect(await update(t, mine, { config: { path: 'shared.duckdb' } }, other.keys.architect)).toMatchObject({ code: 'FILE_PATH_IN_USE' });
    // a destination keeps its own file across updates
    expect(await update(t, mine, { config: { path: 'mine.duckdb', schema: 'analytics' } }, other.keys.architect)).toMatchObject({
      __typename: 'DestinationUpdated',
    });
  });

  it('puts a valid relative path under the folder of destination files, its folders created', async () => {
    const created = await create(t, { ...duckdb('./team//analytics.duckdb'), enabled: true });
    expect(created.data.config).toEqual({ path: 'team/analytics.duckdb' });
    await t.capture('9901', '1', [{ time: Date.now(), type: 'navigate', url: 'https://shop.example/' }]);
    await t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { __typename } }`, { id: created.data.id });
    await t.app.sync.scheduler.runDue();
    const rows = await queryDuckdb(
      path.join(t.config.destinationFilesDir, 'team', 'analytics.duckdb'),
      `select count(*)::integer as n from events`,
    );
    expect(rows).toEqual([{ n: 1 }]);
  });
});

interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string;
}

/** An HTTP listener that records every request and answers each with `reply`. */
async function startRecordingServer(reply: { status: number; body: unknown }) {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers as Record<string, string | undefined>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
