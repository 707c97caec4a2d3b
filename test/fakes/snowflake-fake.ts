/**
 * A Snowflake protocol fake: speaks the REST/JSON protocol of snowflake-sdk 3.x
 * (docs/warehouses-snowflake-redshift.md, "How they are tested without the cloud") and runs the SQL on DuckDB with small shims.
 *
 * What it models, beyond "answer the SDK":
 * - login with a password, SNOWFLAKE_JWT (checked against a registered public key), OAUTH or
 *   PROGRAMMATIC_ACCESS_TOKEN; session and master tokens, token renewal after 390112, session
 *   delete (rolls back an open transaction);
 * - one DuckDB connection per session, so BEGIN/COMMIT/ROLLBACK are real transactions;
 * - session parameters: account defaults (Snowflake's own unless the test sets hostile ones),
 *   `ALTER SESSION SET`, and the effect of `TIMESTAMP_INPUT_FORMAT` on text → TIMESTAMP_NTZ
 *   (`TO_TIMESTAMP_NTZ(x)`, array binds into timestamp columns, COPY with `TIMESTAMP_FORMAT =
 *   AUTO`); the current schema (from the login if it exists, then `CREATE SCHEMA` / `USE SCHEMA`);
 * - stages (snowflake-stage.ts): `PUT` answered with a stage location the driver uploads to itself,
 *   `REMOVE`, `COPY INTO` from gzip CSV with its documented rules;
 * - requestId de-duplication: a retried query-request with a requestId already executed gets the
 *   stored answer and is not executed again (Snowflake's documented "resubmitting requests");
 * - CLIENT_STAGE_ARRAY_BINDING_THRESHOLD (65,280, as real accounts send): past it the driver
 *   creates a temporary stage, which fails without a current schema (090106, as on a real account),
 *   and the fake refuses the upload of binds to it; the driver then falls back to inline binds;
 * - the 1 MB statement text limit, and JSON-only results;
 * - faults: HTTP statuses, hangs, dropped connections before or after executing, expired
 *   session tokens, SQL errors, and 333333 asynchronous answers.
 *
 * Listens on 127.0.0.1 only; nothing leaves loopback.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance, DuckDBTimestampValue, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { FakeSqlError, FakeStages, conversionError, literal, timestampParser } from './snowflake-stage.ts';
import type { StageResult } from './snowflake-stage.ts';

/** Which requests a fault applies to. */
export interface SnowflakeFaultTarget {
  /** `query` (query-request, the default) or `login`. */
  on?: 'query' | 'login';
  /** For queries: the SQL text must match (regex or predicate). */
  match?: RegExp | ((query: { sql: string; inTransaction: boolean }) => boolean);
  /** How many matching requests it hits (default 1; Infinity for "until cleared"). */
  times?: number;
}

/** A fault to inject into the next matching request(s). */
export type SnowflakeFault = SnowflakeFaultTarget &
  (
    | { type: 'status'; status: number }
    | { type: 'hang' }
    | { type: 'drop'; when: 'before' | 'after' }
    | { type: 'expire-session' }
    | { type: 'error'; code: string; sqlState: string; message: string }
    | { type: 'async' }
  );

/** One request the fake received. */
export interface SnowflakeFakeRequest {
  kind: 'login' | 'renew' | 'query' | 'result' | 'delete-session' | 'telemetry' | 'other';
  path: string;
  sql?: string;
  /** rows × columns for array binds, the number of binds otherwise. */
  bindCount?: number;
  arrayBindRows?: number;
  requestId?: string;
  /** A resubmission of a requestId already executed: answered from memory. */
  deduplicated?: boolean;
  /** The statement reached the engine (false for requests stopped by a transport fault). */
  executed?: boolean;
  fault?: SnowflakeFault['type'];
  outcome?: 'ok' | 'error';
  errorCode?: string;
  /** Rows of the answer (COPY: one per file loaded). */
  resultRows?: number;
  /** The session had a current schema when the statement ran. */
  currentSchema?: string | null;
}

export interface SnowflakeFakeOptions {
  /** username (case-insensitive) → password. Default `{ tributary: 'secret' }`. */
  users?: Record<string, string>;
  /** username → PEM public key for SNOWFLAKE_JWT. */
  publicKeys?: Record<string, string>;
  /** OAuth access token → the username it signs in. */
  oauthTokens?: Record<string, string>;
  /** username → its programmatic access token. */
  programmaticAccessTokens?: Record<string, string>;
  /** CLIENT_STAGE_ARRAY_BINDING_THRESHOLD returned at login (default 65,280, as on real accounts). */
  bindThreshold?: number;
  /** Account-level parameter defaults over Snowflake's (e.g. a hostile TIMESTAMP_INPUT_FORMAT). */
  accountParameters?: Record<string, string>;
  /** DuckDB database file (default in memory); large benchmark windows need one. */
  databasePath?: string;
  /**
   * Serves `POST /_fake/query` (SQL on the backing DuckDB), `GET /_fake/stats` and `POST
   * /_fake/clear-log`, for the benchmark, which runs the fake in a process of its own.
   */
  adminEndpoint?: boolean;
  /** DuckDB's memory_limit (default DuckDB's own, 80% of RAM). */
  memoryLimit?: string;
}

/**
 * Snowflake's defaults of the session parameters the fake knows, as the text `ALTER SESSION`
 * would set. Only TIMESTAMP_INPUT_FORMAT changes what the fake computes; the others are recorded.
 */
const SNOWFLAKE_PARAMETER_DEFAULTS: Record<string, string> = {
  TIMEZONE: 'America/Los_Angeles',
  TIMESTAMP_INPUT_FORMAT: 'AUTO',
  TIMESTAMP_TYPE_MAPPING: 'TIMESTAMP_NTZ',
  QUOTED_IDENTIFIERS_IGNORE_CASE: 'false',
  AUTOCOMMIT: 'true',
  ERROR_ON_NONDETERMINISTIC_MERGE: 'true',
  STATEMENT_TIMEOUT_IN_SECONDS: '172800',
};

interface Session {
  id: number;
  user: string;
  token: string;
  masterToken: string;
  connection: DuckDBConnection;
  inTransaction: boolean;
  queue: Promise<unknown>;
  /** Session parameters (upper-case names → text values). */
  parameters: Map<string, string>;
  /** Current schema (upper case), or null. */
  schema: string | null;
  /** Temporary stages created in the session. */
  tempStages: Set<string>;
  get timestampInputFormat(): string;
}

interface Answer {
  status: number;
  body: unknown;
}

const MAX_SQL_BYTES = 1024 * 1024;

/** The fake. `await SnowflakeFake.start()`, point the SDK at `accessUrl`, `await close()`. */
export class SnowflakeFake {
  readonly requests: SnowflakeFakeRequest[] = [];
  private readonly faults: SnowflakeFault[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly byMaster = new Map<string, Session>();
  private readonly answered = new Map<string, Answer>();
  private readonly pendingResults = new Map<string, Answer>();
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  /** Session parameters of ended sessions, per user (the latest). */
  private readonly endedParameters = new Map<string, Record<string, string>>();
  private nextSession = 1;
  private admin!: DuckDBConnection;
  /** The stages (table and user stages) in a folder the fake owns. */
  readonly stages: FakeStages;

  private readonly server: Server;
  private readonly instance: DuckDBInstance;
  private readonly options: Required<SnowflakeFakeOptions>;
  readonly accessUrl: string;

  private constructor(
    server: Server,
    instance: DuckDBInstance,
    options: Required<SnowflakeFakeOptions>,
    accessUrl: string,
    stageRoot: string,
  ) {
    this.server = server;
    this.instance = instance;
    this.options = options;
    this.accessUrl = accessUrl;
    this.stages = new FakeStages(stageRoot, (schema, name) => this.tableExists(schema, name));
  }

  static async start(options: SnowflakeFakeOptions = {}): Promise<SnowflakeFake> {
    const instance = await DuckDBInstance.create(options.databasePath ?? ':memory:');
    const stageRoot = await mkdtemp(join(tmpdir(), 'snowflake-fake-stages-'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const fake = new SnowflakeFake(
      server,
      instance,
      {
        users: options.users ?? { tributary: 'secret' },
        publicKeys: options.publicKeys ?? {},
        oauthTokens: options.oauthTokens ?? {},
        programmaticAccessTokens: options.programmaticAccessTokens ?? {},
        bindThreshold: options.bindThreshold ?? 65_280,
        accountParameters: Object.fromEntries(Object.entries(options.accountParameters ?? {}).map(([k, v]) => [k.toUpperCase(), v])),
        databasePath: options.databasePath ?? ':memory:',
        adminEndpoint: options.adminEndpoint ?? false,
        memoryLimit: options.memoryLimit ?? '',
      },
      `http://127.0.0.1:${address.port}`,
      stageRoot,
    );
    fake.admin = await fake.openConnection();
    if (options.memoryLimit) await fake.admin.run(`SET memory_limit = ${literal(options.memoryLimit)}`);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /** Queues a fault for the next matching request(s). */
  inject(fault: SnowflakeFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Removes every queued fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** SQL text of every statement the fake executed, in order (deduplicated resubmissions excluded). */
  statements(): string[] {
    return this.requests.filter((r) => r.kind === 'query' && r.executed && r.sql !== undefined).map((r) => r.sql!);
  }

  /** Forgets the request log. */
  clearLog(): void {
    this.requests.length = 0;
  }

  /** Runs SQL (DuckDB dialect) directly on the backing database, outside any session. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.admin.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /** The session parameters of the most recent session of `user` (for tests). */
  sessionParameters(user: string): Record<string, string> | undefined {
    const session = [...this.sessions.values()].filter((candidate) => candidate.user === user.toLowerCase()).pop();
    return session ? Object.fromEntries(session.parameters) : this.endedParameters.get(user.toLowerCase());
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const session of this.sessions.values()) session.connection.closeSync();
    this.admin.closeSync();
    this.instance.closeSync();
    await rm(this.stages.root, { recursive: true, force: true });
  }

  private async tableExists(schema: string, name: string): Promise<boolean> {
    const rows = await this.query(
      `SELECT 1 FROM duckdb_tables() WHERE upper(schema_name) = ${literal(schema.toUpperCase())} AND upper(table_name) = ${literal(name.toUpperCase())}`,
    );
    return rows.length > 0;
  }

  private async schemaExists(schema: string): Promise<boolean> {
    const rows = await this.query(`SELECT 1 FROM duckdb_schemas() WHERE upper(schema_name) = ${literal(schema.toUpperCase())}`);
    return rows.length > 0;
  }

  private async openConnection(): Promise<DuckDBConnection> {
    const connection = await this.instance.connect();
    await connection.run(`SET TimeZone = 'UTC'`);
    // Snowflake functions the plugins use, as DuckDB macros (idempotent per database).
    for (const macro of [
      // A cast validates the JSON like PARSE_JSON and, unlike json(), keeps the text as sent.
      'CREATE MACRO IF NOT EXISTS parse_json(x) AS CAST(x AS JSON)',
      'CREATE MACRO IF NOT EXISTS sysdate() AS current_timestamp::TIMESTAMP',
      `CREATE MACRO IF NOT EXISTS current_version() AS '9.0.0-fake'`,
      `CREATE MACRO IF NOT EXISTS current_role() AS 'FAKE_ROLE'`,
      `CREATE MACRO IF NOT EXISTS current_warehouse() AS 'FAKE_WH'`,
    ]) {
      await connection.run(macro);
    }
    return connection;
  }

  private takeFault(on: 'query' | 'login', sql?: string, inTransaction = false): SnowflakeFault | undefined {
    const index = this.faults.findIndex((fault) => {
      if ((fault.on ?? 'query') !== on) return false;
      if (!fault.match || sql === undefined) return true;
      return typeof fault.match === 'function' ? fault.match({ sql, inTransaction }) : fault.match.test(sql);
    });
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.accessUrl);
    let raw = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
    const body = raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
    try {
      if (req.method === 'POST' && url.pathname === '/session/v1/login-request') return await this.login(url, body, res);
      if (req.method === 'POST' && url.pathname === '/session/token-request') return this.renew(req, body, res);
      if (req.method === 'POST' && url.pathname === '/queries/v1/query-request') return await this.queryRequest(req, url, body, res);
      if (req.method === 'GET' && /^\/queries\/[^/]+\/result$/.test(url.pathname)) return this.result(req, url, res);
      if (req.method === 'POST' && url.pathname === '/session' && url.searchParams.get('delete') === 'true') {
        return await this.deleteSession(req, res);
      }
      if (this.options.adminEndpoint && url.pathname.startsWith('/_fake/')) {
        if (url.pathname === '/_fake/query') {
          return send(res, 200, { rows: await this.query(String(body.sql)) }, (_, v: unknown) =>
            typeof v === 'bigint' ? v.toString() : v,
          );
        }
        if (url.pathname === '/_fake/clear-log') {
          this.clearLog();
          return send(res, 200, {});
        }
        if (url.pathname === '/_fake/stats') {
          return send(res, 200, {
            requests: this.requests.length,
            statements: this.statements().length,
            rssMb: Math.round(process.memoryUsage().rss / 1e6),
          });
        }
      }
      if (url.pathname.startsWith('/telemetry/')) {
        this.requests.push({ kind: 'telemetry', path: url.pathname });
        return send(res, 200, { success: true, data: null });
      }
      this.requests.push({ kind: 'other', path: url.pathname });
      send(res, 404, { success: false, message: `the fake does not implement ${req.method} ${url.pathname}` });
    } catch (err) {
      send(res, 500, { success: false, message: String(err) });
    }
  }

  private applyTransportFault(fault: SnowflakeFault | undefined, res: ServerResponse): boolean {
    if (!fault) return false;
    if (fault.type === 'status') {
      send(res, fault.status, fault.status === 429 ? { message: 'Too many requests' } : { message: 'Internal server error' });
      return true;
    }
    if (fault.type === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return true;
    }
    if (fault.type === 'drop' && fault.when === 'before') {
      res.socket?.destroy();
      return true;
    }
    return false;
  }

  private async login(url: URL, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const data = (body.data ?? {}) as Record<string, unknown>;
    const user = String(data.LOGIN_NAME ?? '').toLowerCase();
    const entry: SnowflakeFakeRequest = { kind: 'login', path: url.pathname };
    this.requests.push(entry);
    const fault = this.takeFault('login');
    if (fault) entry.fault = fault.type;
    if (this.applyTransportFault(fault, res)) return;
    const fail = (code: string, message: string) => {
      entry.outcome = 'error';
      entry.errorCode = code;
      send(res, 200, { data: { nextAction: 'RETRY_LOGIN', authnMethod: data.AUTHENTICATOR }, code, message, success: false });
    };
    const named = (table: Record<string, string>) => Object.entries(table).find(([name]) => name.toLowerCase() === user)?.[1];
    if (data.AUTHENTICATOR === 'SNOWFLAKE_JWT') {
      const key = named(this.options.publicKeys);
      if (!key || !verifyJwt(String(data.TOKEN ?? ''), key, String(data.ACCOUNT_NAME ?? ''), user)) {
        return fail('390144', 'JWT token is invalid.');
      }
    } else if (data.AUTHENTICATOR === 'OAUTH') {
      const owner = this.options.oauthTokens[String(data.TOKEN ?? '')];
      if (owner === undefined || (user !== '' && owner.toLowerCase() !== user)) return fail('390303', 'Invalid OAuth access token. ');
    } else if (data.AUTHENTICATOR === 'PROGRAMMATIC_ACCESS_TOKEN') {
      const token = named(this.options.programmaticAccessTokens);
      if (token === undefined || token !== data.TOKEN) return fail('390100', 'Incorrect username or password was specified.');
    } else {
      const password = named(this.options.users);
      if (password === undefined || password !== data.PASSWORD) return fail('390100', 'Incorrect username or password was specified.');
    }
    const requestedSchema = url.searchParams.get('schemaName');
    const parameters = new Map(Object.entries({ ...SNOWFLAKE_PARAMETER_DEFAULTS, ...this.options.accountParameters }));
    const session: Session = {
      id: this.nextSession++,
      user,
      token: `SESSION-${randomUUID()}`,
      masterToken: `MASTER-${randomUUID()}`,
      connection: await this.openConnection(),
      inTransaction: false,
      queue: Promise.resolve(),
      parameters,
      // Snowflake leaves the session without a current schema when the one asked for is missing.
      schema: requestedSchema && (await this.schemaExists(requestedSchema)) ? requestedSchema.toUpperCase() : null,
      tempStages: new Set(),
      get timestampInputFormat() {
        return parameters.get('TIMESTAMP_INPUT_FORMAT') ?? 'AUTO';
      },
    };
    await defineTimestampInput(session);
    this.sessions.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    entry.outcome = 'ok';
    send(res, 200, {
      data: {
        token: session.token,
        masterToken: session.masterToken,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId: session.id,
        parameters: [
          { name: 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', value: this.options.bindThreshold },
          { name: 'TIMEZONE', value: parameters.get('TIMEZONE') },
        ],
        sessionInfo: {
          databaseName: url.searchParams.get('databaseName'),
          schemaName: session.schema,
          warehouseName: url.searchParams.get('warehouse'),
          roleName: url.searchParams.get('roleName') ?? 'FAKE_ROLE',
        },
      },
      success: true,
    });
  }

  private renew(req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse): void {
    this.requests.push({ kind: 'renew', path: '/session/token-request' });
    const session = this.byMaster.get(tokenOf(req) ?? '');
    if (!session || body.requestType !== 'RENEW') {
      return send(res, 200, {
        success: false,
        code: '390114',
        message: 'Authentication token has expired. The user must authenticate again.',
      });
    }
    this.sessions.delete(session.token);
    session.token = `SESSION-${randomUUID()}`;
    this.sessions.set(session.token, session);
    send(res, 200, {
      success: true,
      data: { sessionToken: session.token, validityInSecondsST: 3600, masterToken: session.masterToken, validityInSecondsMT: 14400 },
    });
  }

  private async deleteSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ kind: 'delete-session', path: '/session' });
    const session = this.sessions.get(tokenOf(req) ?? '');
    if (session) {
      this.endedParameters.set(session.user, Object.fromEntries(session.parameters));
      this.sessions.delete(session.token);
      this.byMaster.delete(session.masterToken);
      await session.queue.catch(() => {});
      if (session.inTransaction) await session.connection.run('ROLLBACK').catch(() => {});
      session.connection.closeSync();
    }
    send(res, 200, { success: true, data: null });
  }

  private result(req: IncomingMessage, url: URL, res: ServerResponse): void {
    this.requests.push({ kind: 'result', path: url.pathname });
    const id = url.pathname.split('/')[2] ?? '';
    const answer = this.pendingResults.get(id);
    if (!answer || !this.sessions.has(tokenOf(req) ?? '')) {
      return send(res, 200, { success: false, code: '000709', message: `Statement ${id} not found` });
    }
    this.pendingResults.delete(id);
    send(res, answer.status, answer.body);
  }

  private async queryRequest(req: IncomingMessage, url: URL, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const sql = String(body.sqlText ?? '');
    const requestId = url.searchParams.get('requestId') ?? undefined;
    const bindings = body.bindings as Record<string, { type: string; value: unknown }> | undefined;
    const entry: SnowflakeFakeRequest = { kind: 'query', path: url.pathname, sql, requestId, ...bindInfo(bindings) };
    this.requests.push(entry);
    const session = this.sessions.get(tokenOf(req) ?? '');
    if (!session) {
      entry.outcome = 'error';
      entry.errorCode = '390104';
      return send(res, 401, { success: false, code: '390104', message: 'Session token not found or invalid.', data: null });
    }
    // A resubmission of a request already executed (the SDK's retry keeps the requestId).
    const previous = requestId ? this.answered.get(requestId) : undefined;
    if (previous) {
      entry.deduplicated = true;
      return send(res, previous.status, previous.body);
    }
    const fault = this.takeFault('query', sql, session.inTransaction);
    if (fault) entry.fault = fault.type;
    if (this.applyTransportFault(fault, res)) return;
    if (fault?.type === 'expire-session') {
      entry.outcome = 'error';
      entry.errorCode = '390112';
      return send(res, 200, { success: false, code: '390112', message: 'Your session has expired. Please login again.', data: null });
    }
    entry.executed = true;
    const run = session.queue.then(() => this.execute(session, sql, bindings, fault));
    session.queue = run.catch(() => {});
    const answer = await run;
    entry.outcome = (answer.body as { success?: boolean }).success ? 'ok' : 'error';
    entry.errorCode = (answer.body as { code?: string }).code;
    entry.resultRows = (answer.body as { data?: { rowset?: unknown[] } }).data?.rowset?.length;
    entry.currentSchema = session.schema;
    if (requestId) this.answered.set(requestId, answer);
    if (fault?.type === 'drop' && fault.when === 'after') {
      res.socket?.destroy();
      return;
    }
    if (fault?.type === 'async') {
      const queryId = (answer.body as { data?: { queryId?: string } }).data?.queryId ?? randomUUID();
      this.pendingResults.set(queryId, answer);
      return send(res, 200, {
        code: '333333',
        message: 'Asynchronous execution in progress.',
        success: true,
        data: { queryId, getResultUrl: `/queries/${queryId}/result` },
      });
    }
    send(res, answer.status, answer.body);
  }

  private async execute(
    session: Session,
    sql: string,
    bindings: Record<string, { type: string; value: unknown }> | undefined,
    fault: SnowflakeFault | undefined,
  ): Promise<Answer> {
    const queryId = randomUUID();
    try {
      if (fault?.type === 'error') throw new FakeSqlError(fault.code, fault.sqlState, fault.message);
      if (Buffer.byteLength(sql) > MAX_SQL_BYTES) {
        throw new FakeSqlError(
          '001003',
          '42000',
          `SQL compilation error: statement text of ${Buffer.byteLength(sql)} bytes exceeds the 1 MB limit`,
        );
      }
      const special = await this.executeSpecial(session, sql, queryId);
      if (special) return { status: 200, body: { data: special, code: null, message: null, success: true } };
      const { text, params, types } = translate(sql, bindings, await this.timestampColumns(sql, bindings));
      const kind = statementKind(sql);
      // A MERGE's inserts are the target's growth (it never deletes); the rest of what it changed
      // are updates. Cheaper than RETURNING merge_action, which hands every row back.
      const target = kind === 'merge' ? /^\s*MERGE\s+INTO\s+([\w.]+)/i.exec(sql)?.[1] : undefined;
      const rowCount = async () =>
        target ? Number((await session.connection.runAndReadAll(`SELECT count(*) FROM ${target}`)).getRows()[0]![0]) : 0;
      const before = await rowCount();
      const reader = await session.connection.runAndReadAll(text, params as never, types as never);
      const inserted = (await rowCount()) - before;
      if (kind === 'begin') session.inTransaction = true;
      if (kind === 'commit' || kind === 'rollback') session.inTransaction = false;
      // Creating a schema makes it the session's current schema (Snowflake's CREATE SCHEMA notes).
      const created = /^\s*CREATE\s+SCHEMA\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)/i.exec(sql);
      if (created) session.schema = created[1]!.toUpperCase();
      return { status: 200, body: { data: resultData(queryId, kind, reader, inserted), code: null, message: null, success: true } };
    } catch (err) {
      const sqlError = err instanceof FakeSqlError ? err : duckdbError(err);
      return {
        status: 200,
        body: {
          data: { queryId, sqlState: sqlError.sqlState, errorCode: sqlError.code, internalError: false },
          code: sqlError.code,
          message: sqlError.message,
          success: false,
        },
      };
    }
  }

  /** Statements the fake answers itself rather than on DuckDB; undefined for all others. */
  private async executeSpecial(session: Session, sql: string, queryId: string): Promise<Record<string, unknown> | undefined> {
    const first = /^\s*(\w+)(?:\s+(\w+))?/.exec(sql);
    const verb = `${first?.[1] ?? ''} ${first?.[2] ?? ''}`.toUpperCase();
    if (verb.startsWith('PUT ')) return await this.stages.put(sql, session, queryId);
    if (verb.startsWith('REMOVE ')) return tableResult(queryId, await this.stages.remove(sql, session));
    if (verb === 'COPY INTO') return tableResult(queryId, await this.stages.copy(sql, session));
    if (verb === 'ALTER SESSION') {
      await alterSession(session, sql);
      return statusResult(queryId);
    }
    if (verb === 'USE SCHEMA') {
      const name = /^\s*USE\s+SCHEMA\s+(\w+)\s*$/i.exec(sql)?.[1];
      if (!name || !(await this.schemaExists(name))) {
        throw new FakeSqlError('002043', '02000', `SQL compilation error:\nObject does not exist, or operation cannot be performed.`);
      }
      session.schema = name.toUpperCase();
      return statusResult(queryId);
    }
    const tempStage = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?TEMP(?:ORARY)?\s+STAGE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w$.]+)/i.exec(sql);
    if (tempStage) {
      // An unqualified stage goes into the current schema; without one Snowflake refuses it.
      if (!tempStage[1]!.includes('.') && session.schema === null) {
        throw new FakeSqlError(
          '090106',
          '22000',
          "Cannot perform CREATE STAGE. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name.",
        );
      }
      session.tempStages.add(tempStage[1]!.split('.').pop()!.toUpperCase());
      return statusResult(queryId);
    }
    return undefined;
  }

  /**
   * For an array-bound `INSERT INTO t (cols) VALUES (?, …)`: the positions of the binds that go
   * into TIMESTAMP columns, which Snowflake parses with the session's TIMESTAMP_INPUT_FORMAT.
   */
  private async timestampColumns(
    sql: string,
    bindings: Record<string, { type: string; value: unknown }> | undefined,
  ): Promise<Set<number>> {
    const insert = /^\s*INSERT\s+INTO\s+(\w+)\.(\w+)\s*\(([^)]*)\)\s*VALUES\s*\(/i.exec(sql);
    const first = bindings ? Object.values(bindings)[0] : undefined;
    if (!insert || !first || !Array.isArray(first.value)) return new Set();
    const rows = await this.query(
      `SELECT lower(column_name) AS name FROM duckdb_columns() WHERE upper(schema_name) = ${literal(insert[1]!.toUpperCase())} ` +
        `AND upper(table_name) = ${literal(insert[2]!.toUpperCase())} AND data_type LIKE 'TIMESTAMP%'`,
    );
    const timestamps = new Set(rows.map((row) => String(row.name)));
    const columns = insert[3]!.split(',').map((column) => column.trim().toLowerCase());
    return new Set(columns.flatMap((column, i) => (timestamps.has(column) ? [i] : [])));
  }
}

type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'ddl' | 'begin' | 'commit' | 'rollback' | 'other';

function statementKind(sql: string): StatementKind {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  switch (word) {
    case 'SELECT':
    case 'WITH':
      return 'select';
    case 'INSERT':
      return 'insert';
    case 'UPDATE':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'MERGE':
      return 'merge';
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
      return 'ddl';
    case 'BEGIN':
    case 'START':
      return 'begin';
    case 'COMMIT':
      return 'commit';
    case 'ROLLBACK':
      return 'rollback';
    default:
      return 'other';
  }
}

// statementTypeId values of snowflake-sdk/dist/lib/connection/result/statement_type.js.
const STATEMENT_TYPE_IDS: Record<StatementKind, number> = {
  select: 0x1000,
  insert: 0x3100,
  update: 0x3200,
  delete: 0x3300,
  merge: 0x3400,
  ddl: 0x6000,
  begin: 0x5000,
  commit: 0x5000,
  rollback: 0x5000,
  other: 0x5000,
};

function fixed(name: string) {
  return { name, type: 'fixed', precision: 19, scale: 0, nullable: false, length: null, byteLength: null };
}

function resultData(
  queryId: string,
  kind: StatementKind,
  reader: { getRows(): DuckDBValue[][]; columnNames(): string[]; columnTypes(): DuckDBType[]; rowsChanged: number },
  mergeInserted: number,
) {
  const base = { queryId, queryResultFormat: 'json', statementTypeId: STATEMENT_TYPE_IDS[kind], parameters: [] };
  const dml = (columns: [string, number][]) => ({
    ...base,
    rowtype: columns.map(([name]) => fixed(name)),
    rowset: [columns.map(([, n]) => String(n))],
    total: 1,
    returned: 1,
  });
  if (kind === 'merge') {
    return dml([
      ['number of rows inserted', mergeInserted],
      ['number of rows updated', reader.rowsChanged - mergeInserted],
    ]);
  }
  if (kind === 'insert') return dml([['number of rows inserted', reader.rowsChanged]]);
  if (kind === 'update')
    return dml([
      ['number of rows updated', reader.rowsChanged],
      ['number of multi-joined rows updated', 0],
    ]);
  if (kind === 'delete') return dml([['number of rows deleted', reader.rowsChanged]]);
  if (kind !== 'select') {
    return {
      ...base,
      rowtype: [{ name: 'status', type: 'text', nullable: true, length: 16777216 }],
      rowset: [['Statement executed successfully.']],
      total: 1,
      returned: 1,
    };
  }
  const types = reader.columnTypes();
  const rowtype = reader.columnNames().map((name, i) => rowType(name, types[i]!));
  const rowset = reader.getRows().map((row) => row.map((value, i) => cell(value, types[i]!)));
  // `returned` is required: without it snowflake-sdk never calls back.
  return { ...base, rowtype, rowset, total: rowset.length, returned: rowset.length };
}

function rowType(name: string, type: DuckDBType) {
  const common = { name: name.toUpperCase(), nullable: true, length: null, byteLength: null, precision: null, scale: null };
  const text = String(type);
  if (type.alias === 'JSON') return { ...common, type: 'variant' };
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/.test(text))
    return { ...common, type: 'fixed', precision: 38, scale: 0 };
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(text);
  if (decimal) return { ...common, type: 'fixed', precision: Number(decimal[1]), scale: Number(decimal[2]) };
  if (/^(FLOAT|DOUBLE)$/.test(text)) return { ...common, type: 'real' };
  if (text === 'BOOLEAN') return { ...common, type: 'boolean' };
  if (text === 'TIMESTAMP') return { ...common, type: 'timestamp_ntz', scale: 9 };
  return { ...common, type: 'text', length: 16777216 };
}

function cell(value: DuckDBValue, type: DuckDBType): string | null {
  if (value === null) return null;
  if (value instanceof DuckDBTimestampValue) {
    const micros = value.micros;
    const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
    const fraction = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
    return `${seconds}.${fraction.toString().padStart(6, '0')}000`;
  }
  if (String(type) === 'BOOLEAN') return value ? '1' : '0';
  return String(value);
}

function bindInfo(
  bindings: Record<string, { type: string; value: unknown }> | undefined,
): Pick<SnowflakeFakeRequest, 'bindCount' | 'arrayBindRows'> {
  if (!bindings) return {};
  const columns = Object.values(bindings);
  const first = columns[0];
  if (first && Array.isArray(first.value)) return { bindCount: first.value.length * columns.length, arrayBindRows: first.value.length };
  return { bindCount: columns.length };
}

/**
 * Snowflake SQL → DuckDB SQL: `?` → `$n` (array binds become `unnest` of list parameters), type
 * names (VARIANT → JSON, NUMBER → DECIMAL, TIMESTAMP_NTZ → TIMESTAMP), `FROM VALUES` with
 * Snowflake's `columnN` names.
 */
export function translate(
  sql: string,
  bindings?: Record<string, { type: string; value: unknown }>,
  timestampBinds: Set<number> = new Set(),
): { text: string; params?: unknown[]; types?: unknown[] } {
  let text = sql
    .replace(/\bVARIANT\b/gi, 'JSON')
    .replace(/\bNUMBER\s*\(/gi, 'DECIMAL(')
    .replace(/\bTIMESTAMP_NTZ\s*\(\s*\d\s*\)/gi, 'TIMESTAMP')
    .replace(/\bTIMESTAMP_NTZ\b/gi, 'TIMESTAMP');
  const fromValues = /\bFROM\s+VALUES\s+(\(.*\))\s*$/is.exec(text);
  if (fromValues) {
    const firstTuple = splitTopLevel(fromValues[1]!.slice(1, fromValues[1]!.indexOf(')')));
    const names = firstTuple.map((_, i) => `column${i + 1}`).join(', ');
    text = `${text.slice(0, fromValues.index)}FROM (VALUES ${fromValues[1]}) AS v(${names})`;
  }
  const columns = bindings
    ? Object.keys(bindings)
        .sort((a, b) => Number(a) - Number(b))
        .map((key) => bindings[key]!)
    : [];
  const isArray = columns.length > 0 && Array.isArray(columns[0]!.value);
  let n = 0;
  text = replaceOutsideStrings(text, '?', () => {
    n += 1;
    if (!isArray) return `$${n}`;
    return timestampBinds.has(n - 1) ? `sf_ts(unnest($${n}))` : `unnest($${n})`;
  });
  // TO_TIMESTAMP_NTZ(text) parses with the session's TIMESTAMP_INPUT_FORMAT (the sf_ts macro),
  // TO_TIMESTAMP_NTZ(text, 'format') with its own.
  text = rewriteCalls(text, 'TO_TIMESTAMP_NTZ', (args) => {
    if (args.length === 1) return `sf_ts(${args[0]})`;
    const format = /^'((?:[^']|'')*)'$/.exec(args[1] ?? '');
    if (args.length !== 2 || !format)
      throw new FakeSqlError('001003', '42000', 'SQL compilation error: TO_TIMESTAMP_NTZ takes a value and an optional format literal');
    return timestampParser(args[0]!, format[1]!.replaceAll("''", "'"));
  });
  if (isArray) {
    // INSERT … VALUES (unnest($1), …) → INSERT … SELECT unnest($1), … (zips the lists).
    text = text.replace(/\bVALUES\s*\((.*)\)\s*$/is, 'SELECT $1');
    const params = columns.map((column) =>
      listValue((column.value as unknown[]).map((v) => (v === null || v === undefined ? null : String(v)))),
    );
    return { text, params, types: columns.map(() => LIST(VARCHAR)) };
  }
  if (columns.length === 0) return { text };
  return { text, params: columns.map((column) => (column.value === null || column.value === undefined ? null : String(column.value))) };
}

/** Replaces every call `name(args…)` (outside string literals) with `replace(args)`. */
function rewriteCalls(text: string, name: string, replace: (args: string[]) => string): string {
  const pattern = new RegExp(`\\b${name}\\s*\\(`, 'i');
  let out = '';
  let rest = text;
  for (let match = pattern.exec(rest); match; match = pattern.exec(rest)) {
    const args: string[] = [];
    let depth = 1;
    let quoted = false;
    let current = '';
    let i = match.index + match[0].length;
    for (; i < rest.length && depth > 0; i += 1) {
      const ch = rest[i]!;
      if (ch === "'") quoted = !quoted;
      if (!quoted && ch === '(') depth += 1;
      if (!quoted && ch === ')') depth -= 1;
      if (depth === 0) break;
      if (!quoted && depth === 1 && ch === ',') {
        args.push(current.trim());
        current = '';
      } else {
        current += ch;
      }
    }
    args.push(current.trim());
    out += rest.slice(0, match.index) + replace(args);
    rest = rest.slice(i + 1);
  }
  return out + rest;
}

/** (Re)defines the session's `sf_ts(text)`: text → TIMESTAMP by its TIMESTAMP_INPUT_FORMAT. */
async function defineTimestampInput(session: Session): Promise<void> {
  await session.connection.run(`CREATE OR REPLACE TEMP MACRO sf_ts(x) AS ${timestampParser('x', session.timestampInputFormat)}`);
}

/** `ALTER SESSION SET name = value [name = value …]` (whitespace or commas between them). */
async function alterSession(session: Session, sql: string): Promise<void> {
  const body = /^\s*ALTER\s+SESSION\s+SET\s+(.*)$/is.exec(sql)?.[1];
  if (!body)
    throw new FakeSqlError(
      '001003',
      '42000',
      `SQL compilation error:\nsyntax error line 1 at position 0 unexpected '${sql.trim().split(/\s/)[0]}'.`,
    );
  const pairs = [...body.matchAll(/(\w+)\s*=\s*('(?:[^']|'')*'|[^\s,]+)[\s,]*/g)];
  if (pairs.map((pair) => pair[0]).join('') !== body.trimStart()) {
    throw new FakeSqlError('001003', '42000', `SQL compilation error:\nsyntax error in ALTER SESSION: ${body}`);
  }
  for (const [, name, raw] of pairs) {
    const key = name!.toUpperCase();
    if (!(key in SNOWFLAKE_PARAMETER_DEFAULTS)) throw new FakeSqlError('001420', '22023', `invalid parameter '${key}'`);
    const value = raw!.startsWith("'") ? raw!.slice(1, -1).replaceAll("''", "'") : raw!.toLowerCase();
    session.parameters.set(key, value);
  }
  await defineTimestampInput(session);
}

/** A result set of `columns` (text or fixed) and `rows`, as a SELECT's. */
function tableResult(queryId: string, result: StageResult) {
  const rowtype = result.columns.map(([name, type]) =>
    type === 'fixed'
      ? { name, type: 'fixed', precision: 19, scale: 0, nullable: true, length: null, byteLength: null }
      : { name, type: 'text', nullable: true, length: 16777216, precision: null, scale: null, byteLength: null },
  );
  const rowset = result.rows.map((row) => row.map((value) => (value === null ? null : String(value))));
  return {
    queryId,
    queryResultFormat: 'json',
    statementTypeId: STATEMENT_TYPE_IDS.select,
    parameters: [],
    rowtype,
    rowset,
    total: rowset.length,
    returned: rowset.length,
  };
}

function statusResult(queryId: string) {
  return tableResult(queryId, { columns: [['status', 'text']], rows: [['Statement executed successfully.']] });
}

function replaceOutsideStrings(text: string, needle: string, replacement: () => string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === needle) {
      out += replacement();
    } else {
      out += ch;
    }
  }
  return out;
}

function splitTopLevel(list: string): string[] {
  return list.split(',').map((part) => part.trim());
}

function duckdbError(err: unknown): FakeSqlError {
  const message = err instanceof Error ? err.message : String(err);
  if (/^Parser Error/.test(message)) return new FakeSqlError('001003', '42000', `SQL compilation error: syntax error: ${message}`);
  if (/^Catalog Error/.test(message)) return new FakeSqlError('002003', '42S02', `SQL compilation error: ${message}`);
  if (/^Binder Error/.test(message)) return new FakeSqlError('000904', '42000', `SQL compilation error: ${message}`);
  const conversion = conversionError(message);
  if (conversion) return conversion;
  if (/^(Conversion|Invalid Input) Error/.test(message)) return new FakeSqlError('100038', '22018', message);
  if (/^Constraint Error/.test(message)) return new FakeSqlError('100072', '22000', message);
  if (/^TransactionContext Error|Conflict/.test(message)) return new FakeSqlError('000625', '57014', `Statement aborted: ${message}`);
  return new FakeSqlError('000603', 'XX000', `SQL execution internal error: ${message}`);
}

function tokenOf(req: IncomingMessage): string | undefined {
  return /Snowflake Token="([^"]+)"/.exec(String(req.headers.authorization ?? ''))?.[1];
}

function verifyJwt(token: string, publicKeyPem: string, account: string, user: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) return false;
  const key = createPublicKey(publicKeyPem);
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string; sub?: string; exp?: number };
  const fingerprint = createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  const subject = `${account.toUpperCase()}.${user.toUpperCase()}`;
  return claims.sub === subject && claims.iss === `${subject}.SHA256:${fingerprint}` && (claims.exp ?? 0) * 1000 > Date.now();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, replacer?: (key: string, value: unknown) => unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body, replacer);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
