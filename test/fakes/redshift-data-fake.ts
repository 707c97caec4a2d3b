/**
 * A Redshift Data API protocol fake: speaks awsJson1_1 as @aws-sdk/client-redshift-data sends it
 * (docs/warehouses-snowflake-redshift.md, "How they are tested without the cloud") and runs the SQL on Postgres — PGlite by default, or a
 * real server when `databaseUrl` is given — with shims: a `super` domain over jsonb,
 * `json_parse`, `getdate()` (seconds), `SYSDATE` (transaction start, microseconds), and
 * DISTSTYLE/DISTKEY/SORTKEY/ENCODE stripped. `COPY … FROM 's3://…'` reads the objects from a
 * real S3 API (moto's server in the tests, `awsEndpoint`) and loads them into the engine.
 *
 * Service rules it enforces that a naive fake would let pass:
 * - statements run asynchronously: ExecuteStatement/BatchExecuteStatement answer with an Id,
 *   DescribeStatement reports SUBMITTED → STARTED → FINISHED | FAILED | ABORTED;
 * - a batch is one transaction (ExecutionMode TRANSACTION, the default): a failing statement rolls
 *   back the others; AUTO_COMMIT commits each statement on its own;
 * - TRUNCATE commits the transaction it runs in (Redshift's TRUNCATE): a failure after it in the
 *   same batch no longer rolls back what came before;
 * - statement text above 100 kB is refused (ValidationException), as are parameters with an empty
 *   value, parameter names outside [0-9a-zA-Z_], parameters no statement references, and batches
 *   of more than 40 statements;
 * - requests must carry a SigV4 Authorization header with a known access key id, or temporary
 *   credentials (ASIA…) that come with their session token and, when `awsEndpoint` is given,
 *   belong to a session STS (moto) issued;
 * - a cluster takes DbUser (temporary credentials), SecretArn, or neither (the caller's IAM
 *   identity); a workgroup SecretArn or nothing, never DbUser;
 * - results are paged (GetStatementResult NextToken);
 * - COPY (see {@link runCopy}): credentials by IAM_ROLE, a role associated with the cluster;
 *   REGION when the bucket is elsewhere; MANIFEST entries, `mandatory` files present; GZIP or ZSTD
 *   content; FORMAT JSON 'auto' keys matched to columns; TIMEFORMAT ('auto' reads ISO 8601,
 *   without it only `YYYY-MM-DD HH:MI:SS`); at most 4 MB per JSON object; MAXERROR 0 (one bad row
 *   fails the load). Options it does not implement are refused by name, never ignored.
 *
 * Faults: HTTP 5xx, throttling, hangs, dropped connections, expired credentials, access denied,
 * any named service exception, and a statement (or one statement of a batch) that FAILS or is
 * ABORTED. Listens on 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { GetBucketLocationCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';

/** Which requests a fault applies to. */
export interface RedshiftFaultTarget {
  /** Operation name, e.g. `ExecuteStatement`, `DescribeStatement` (default: any). */
  operation?: string;
  /** Statement faults: the SQL (or one SQL of a batch) must match. */
  match?: RegExp;
  /** How many matching requests or statements it hits (default 1). */
  times?: number;
}

export type RedshiftFault = RedshiftFaultTarget &
  (
    | { type: 'status'; status: number }
    | { type: 'throttle' }
    | { type: 'hang' }
    | { type: 'drop' }
    | { type: 'expired-token' }
    | { type: 'access-denied' }
    /** The request fails with this service exception (`__type`), e.g. DatabaseConnectionException. */
    | { type: 'exception'; name: string; message: string; status?: number }
    /** The matching statement FAILS with `error` (Redshift's text); a batch rolls back. */
    | { type: 'fail-statement'; error: string }
    | { type: 'abort-statement' }
  );

/** One request the fake received. */
export interface RedshiftFakeRequest {
  operation: string;
  sqls?: string[];
  parameterCount?: number;
  statementId?: string;
  /** The access key id it was signed with, and whether a session token came with it. */
  accessKeyId?: string;
  sessionToken?: boolean;
  /** Region of the SigV4 credential scope. */
  region?: string;
  /** How a submit signs in to the database: as a DbUser, with a secret, or as the IAM identity. */
  signIn?: 'db-user' | 'secret' | 'iam';
  executionMode?: string;
  fault?: RedshiftFault['type'];
  error?: string;
}

export interface RedshiftFakeOptions {
  /** Access key ids accepted (default `['AKIAFAKEFAKEFAKE0001']`). */
  accessKeyIds?: string[];
  /** Cluster identifiers that exist (default `['tributary-cluster']`). */
  clusters?: string[];
  /** Serverless workgroups that exist (default `['tributary-wg']`). */
  workgroups?: string[];
  /** Databases that exist (default `['dev']`). */
  databases?: string[];
  /** IAM roles associated with the clusters and workgroups, which COPY may use (default one). */
  iamRoles?: string[];
  /** moto's server: S3 for COPY, and the STS sessions temporary credentials must belong to. */
  awsEndpoint?: string;
  /** A real Postgres instead of PGlite (tests use a database whose name contains "test"). */
  databaseUrl?: string;
  /** Rows per GetStatementResult page (default 1,000). */
  pageSize?: number;
}

/** The IAM role the fake's clusters have associated unless told otherwise. */
export const FAKE_COPY_ROLE = 'arn:aws:iam::123456789012:role/tributary-copy';

interface Statement {
  id: string;
  sqls: string[];
  params: { name: string; value: string }[];
  batch: boolean;
  autoCommit: boolean;
  region: string;
  identity: string;
  status: 'SUBMITTED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';
  error?: string;
  createdAt: number;
  updatedAt: number;
  database: string;
  subs: { status: Statement['status']; resultRows: number; hasResultSet: boolean; error?: string; durationNs?: number }[];
  result?: { columns: { name: string; typeName: string }[]; records: unknown[][] };
}

class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

/** A statement error with Redshift's text (no `ERROR:` prefix added). */
class StatementFailure extends Error {
  readonly aborted: boolean;
  constructor(message: string, aborted = false) {
    super(message);
    this.aborted = aborted;
  }
}

interface ExecResult {
  rows: Record<string, unknown>[];
  fields: { name: string; typeName: string }[];
  affected: number;
}

/** One exclusive connection: statements, transaction control and COPY input. */
interface Session {
  exec(sql: string, params?: string[]): Promise<ExecResult>;
  /** `COPY <table> (<column>) FROM STDIN <with>` fed with `source`. */
  copyIn(copy: string, source: Readable): Promise<void>;
}

interface Backend {
  session<T>(work: (session: Session) => Promise<T>): Promise<T>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const SHIMS = [
  `DO $$ BEGIN CREATE DOMAIN super AS jsonb; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  `CREATE OR REPLACE FUNCTION json_parse(text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT $1::jsonb $$`,
  `CREATE OR REPLACE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT date_trunc('second', localtimestamp) $$`,
];

const OID_NAMES: Record<number, string> = {
  16: 'bool',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  700: 'float4',
  701: 'float8',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
  3802: 'super',
};

async function pgliteBackend(): Promise<Backend> {
  const db = new PGlite();
  await db.exec(`SET TIME ZONE 'UTC'`);
  for (const shim of SHIMS) await db.exec(shim);
  const session: Session = {
    exec: async (text, params = []) => {
      const result = await db.query<Record<string, unknown>>(text, params);
      return {
        rows: result.rows,
        fields: result.fields.map((f) => ({ name: f.name, typeName: OID_NAMES[f.dataTypeID] ?? 'varchar' })),
        affected: result.affectedRows ?? result.rows.length,
      };
    },
    // PGlite reads COPY input from a Blob: the tests that use it load a few rows.
    copyIn: async (copy, source) => {
      const chunks: Buffer[] = [];
      for await (const chunk of source) chunks.push(chunk as Buffer);
      await db.query(copy.replace('FROM STDIN', `FROM '/dev/blob'`), [], { blob: new Blob(chunks as unknown as BlobPart[]) });
    },
  };
  return {
    session: (work) => work(session),
    query: async (text) => (await db.query<Record<string, unknown>>(text)).rows,
    close: () => db.close(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' }, types: { bigint: postgres.BigInt } });
  for (const shim of SHIMS) await sql.unsafe(shim);
  return {
    session: async (work) => {
      const reserved = await sql.reserve();
      try {
        return await work({
          exec: async (text, params = []) => {
            const result = await reserved.unsafe(text, params);
            return {
              rows: [...result] as Record<string, unknown>[],
              fields: (result.columns ?? []).map((c) => ({ name: c.name, typeName: OID_NAMES[c.type] ?? 'varchar' })),
              affected: result.count ?? 0,
            };
          },
          copyIn: async (copy, source) => pipeline(source, await reserved.unsafe(copy).writable()),
        });
      } finally {
        reserved.release();
      }
    },
    query: async (text) => [...(await sql.unsafe(text))] as Record<string, unknown>[],
    close: () => sql.end(),
  };
}

const MAX_SQL_BYTES = 100 * 1000;
/** COPY refuses a JSON object above 4 MB. */
const MAX_JSON_OBJECT_BYTES = 4 * 1024 * 1024;

/** The fake. `await RedshiftDataFake.start()`, point the SDK at `endpoint`, `await close()`. */
export class RedshiftDataFake {
  readonly requests: RedshiftFakeRequest[] = [];
  private readonly faults: RedshiftFault[] = [];
  private readonly statementsById = new Map<string, Statement>();
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private readonly stsSessions = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  private s3Client: S3Client | undefined;

  private readonly server: Server;
  private readonly backend: Backend;
  private readonly options: Required<Omit<RedshiftFakeOptions, 'databaseUrl' | 'awsEndpoint'>> & { awsEndpoint?: string };
  readonly endpoint: string;

  private constructor(server: Server, backend: Backend, options: RedshiftDataFake['options'], endpoint: string) {
    this.server = server;
    this.backend = backend;
    this.options = options;
    this.endpoint = endpoint;
  }

  static async start(options: RedshiftFakeOptions = {}): Promise<RedshiftDataFake> {
    const backend = options.databaseUrl ? await postgresBackend(options.databaseUrl) : await pgliteBackend();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const fake = new RedshiftDataFake(
      server,
      backend,
      {
        accessKeyIds: options.accessKeyIds ?? ['AKIAFAKEFAKEFAKE0001'],
        clusters: options.clusters ?? ['tributary-cluster'],
        workgroups: options.workgroups ?? ['tributary-wg'],
        databases: options.databases ?? ['dev'],
        iamRoles: options.iamRoles ?? [FAKE_COPY_ROLE],
        pageSize: options.pageSize ?? 1000,
        ...(options.awsEndpoint ? { awsEndpoint: options.awsEndpoint } : {}),
      },
      `http://127.0.0.1:${address.port}`,
    );
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  inject(fault: RedshiftFault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Every SQL statement submitted, in order (each statement of a batch separately). */
  statements(): string[] {
    return this.requests.flatMap((r) => r.sqls ?? []);
  }

  clearLog(): void {
    this.requests.length = 0;
  }

  /** Runs SQL (Postgres dialect) directly on the backing database. */
  query(sql: string): Promise<Record<string, unknown>[]> {
    const run = this.queue.then(() => this.backend.query(sql));
    this.queue = run.catch(() => {});
    return run;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.queue;
    this.s3Client?.destroy();
    await this.backend.close();
  }

  private takeFault(operation: string, sqls?: string[]): RedshiftFault | undefined {
    const statementFault = (f: RedshiftFault) => f.type === 'fail-statement' || f.type === 'abort-statement';
    const index = this.faults.findIndex(
      (f) =>
        (!f.operation || f.operation === operation) &&
        (statementFault(f)
          ? sqls !== undefined && (!f.match || sqls.some((s) => f.match!.test(s)))
          : !f.match || (sqls?.some((s) => f.match!.test(s)) ?? false)),
    );
    if (index < 0) return undefined;
    const fault = this.faults[index]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^RedshiftData\./, '');
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const sqls =
      operation === 'ExecuteStatement'
        ? [String(input.Sql ?? '')]
        : operation === 'BatchExecuteStatement'
          ? ((input.Sqls as string[]) ?? [])
          : undefined;
    const scope = /Credential=([^/,]+)\/\d{8}\/([^/]+)\//.exec(String(req.headers.authorization ?? ''));
    const token = req.headers['x-amz-security-token'];
    const entry: RedshiftFakeRequest = {
      operation,
      ...(sqls ? { sqls, parameterCount: ((input.Parameters as unknown[]) ?? []).length } : {}),
      ...(scope ? { accessKeyId: scope[1]!, region: scope[2]!, sessionToken: typeof token === 'string' } : {}),
    };
    this.requests.push(entry);
    try {
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1')
        throw new ApiError(400, 'SerializationException', 'expected application/x-amz-json-1.1');
      await this.authenticate(scope?.[1], typeof token === 'string' ? token : undefined);
      const fault = this.takeFault(operation, sqls);
      if (fault) entry.fault = fault.type;
      switch (fault?.type) {
        case 'status':
          throw new ApiError(fault.status, 'InternalServerException', 'The server encountered an internal error.');
        case 'throttle':
          throw new ApiError(400, 'ThrottlingException', 'Rate exceeded');
        case 'expired-token':
          throw new ApiError(400, 'ExpiredTokenException', 'The security token included in the request is expired');
        case 'access-denied':
          throw new ApiError(400, 'AccessDeniedException', `User is not authorized to perform: redshift-data:${operation}`);
        case 'exception':
          throw new ApiError(fault.status ?? 400, fault.name, fault.message);
        case 'hang':
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        case 'drop':
          res.socket?.destroy();
          return;
        default:
      }
      const output = await this.operation(operation, input, fault, entry);
      if (typeof output.Id === 'string') entry.statementId = output.Id;
      send(res, 200, output);
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(500, 'InternalServerException', String(err));
      entry.error = `${error.type}: ${error.message}`;
      res.setHeader('x-amzn-errortype', error.type);
      send(res, error.status, { __type: error.type, message: error.message });
    }
  }

  // Long-term keys must be known; temporary ones (ASIA…) need their session token and, with moto
  // behind the fake, must belong to a session its STS issued.
  private async authenticate(accessKeyId: string | undefined, sessionToken: string | undefined): Promise<void> {
    const invalid = new ApiError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (!accessKeyId) throw invalid;
    if (!accessKeyId.startsWith('ASIA')) {
      if (!this.options.accessKeyIds.includes(accessKeyId)) throw invalid;
      return;
    }
    if (!sessionToken) throw invalid;
    if (this.options.accessKeyIds.includes(accessKeyId)) return;
    if (!this.options.awsEndpoint) throw invalid;
    if (this.stsSessions.get(accessKeyId) !== sessionToken) {
      const state = (await (await fetch(`${this.options.awsEndpoint}/moto-api/data.json`)).json()) as {
        sts?: { AssumedRole?: { access_key_id?: string; session_token?: string }[] };
      };
      for (const role of state.sts?.AssumedRole ?? []) {
        if (role.access_key_id && role.session_token) this.stsSessions.set(role.access_key_id, role.session_token);
      }
      if (this.stsSessions.get(accessKeyId) !== sessionToken) throw invalid;
    }
  }

  private async operation(
    operation: string,
    input: Record<string, unknown>,
    fault: RedshiftFault | undefined,
    entry: RedshiftFakeRequest,
  ): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'ExecuteStatement':
        return this.submit([String(input.Sql ?? '')], input, false, fault, entry);
      case 'BatchExecuteStatement':
        return this.submit((input.Sqls as string[] | undefined) ?? [], input, true, fault, entry);
      case 'DescribeStatement':
        return this.describe(String(input.Id ?? ''));
      case 'GetStatementResult':
        return this.result(String(input.Id ?? ''), input.NextToken as string | undefined);
      case 'CancelStatement': {
        const statement = this.statementsById.get(String(input.Id ?? ''));
        if (!statement) throw new ApiError(400, 'ResourceNotFoundException', 'Query does not exist.');
        return { Status: statement.status === 'SUBMITTED' || statement.status === 'STARTED' };
      }
      default:
        throw new ApiError(400, 'UnknownOperationException', `the fake does not implement ${operation}`);
    }
  }

  private submit(
    sqls: string[],
    input: Record<string, unknown>,
    batch: boolean,
    fault: RedshiftFault | undefined,
    entry: RedshiftFakeRequest,
  ): Record<string, unknown> {
    const cluster = input.ClusterIdentifier as string | undefined;
    const workgroup = input.WorkgroupName as string | undefined;
    const dbUser = input.DbUser as string | undefined;
    const secretArn = input.SecretArn as string | undefined;
    if ((cluster === undefined) === (workgroup === undefined)) {
      throw new ApiError(400, 'ValidationException', 'Either ClusterIdentifier or WorkgroupName must be specified.');
    }
    if (cluster !== undefined && !this.options.clusters.includes(cluster)) {
      throw new ApiError(400, 'ValidationException', `Redshift endpoint doesn't exist in this region.`);
    }
    if (workgroup !== undefined && !this.options.workgroups.includes(workgroup)) {
      throw new ApiError(400, 'ResourceNotFoundException', `Workgroup ${workgroup} not found.`);
    }
    if (dbUser !== undefined && secretArn !== undefined)
      throw new ApiError(400, 'ValidationException', 'DbUser and SecretArn are mutually exclusive.');
    if (workgroup !== undefined && dbUser !== undefined)
      throw new ApiError(400, 'ValidationException', 'DbUser is not supported for a serverless workgroup.');
    entry.signIn = dbUser !== undefined ? 'db-user' : secretArn !== undefined ? 'secret' : 'iam';
    const mode = (input.ExecutionMode as string | undefined) ?? 'TRANSACTION';
    if (batch) entry.executionMode = mode;
    if (mode !== 'TRANSACTION' && mode !== 'AUTO_COMMIT')
      throw new ApiError(400, 'ValidationException', `ExecutionMode ${mode} is not TRANSACTION or AUTO_COMMIT.`);
    if (batch && (sqls.length < 1 || sqls.length > 40))
      throw new ApiError(400, 'ValidationException', 'Sqls must hold 1 to 40 statements.');
    for (const sql of sqls) {
      if (Buffer.byteLength(sql) > MAX_SQL_BYTES)
        throw new ApiError(400, 'ValidationException', 'Cannot process query string larger than 100kB');
    }
    const params = ((input.Parameters as { name?: string; value?: string }[] | undefined) ?? []).map((p) => ({
      name: String(p.name ?? ''),
      value: p.value,
    }));
    for (const [i, p] of params.entries()) {
      if (!/^[0-9a-zA-Z_]+$/.test(p.name))
        throw new ApiError(400, 'ValidationException', `Parameters.${i + 1}.name must match [0-9a-zA-Z_]+`);
      if (typeof p.value !== 'string' || p.value.length < 1) {
        throw new ApiError(400, 'ValidationException', `Parameters.${i + 1}.value: Member must have length greater than or equal to 1`);
      }
      const used = new RegExp(`(?<!:):${p.name}\\b`);
      if (!sqls.some((sql) => used.test(sql)))
        throw new ApiError(400, 'ValidationException', `Parameter ${p.name} is not referenced by any statement.`);
    }
    const database = String(input.Database ?? '');
    const now = Date.now() / 1000;
    const statement: Statement = {
      id: randomUUID(),
      sqls,
      params: params as { name: string; value: string }[],
      batch,
      autoCommit: batch && mode === 'AUTO_COMMIT',
      region: entry.region ?? 'us-east-1',
      identity: dbUser ?? (secretArn ? 'secret' : `IAM:${entry.accessKeyId ?? ''}`),
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      database,
      subs: sqls.map(() => ({ status: 'SUBMITTED', resultRows: -1, hasResultSet: false })),
    };
    this.statementsById.set(statement.id, statement);
    // Runs later, one statement at a time, like a queue in front of the cluster.
    const run = this.queue.then(() => this.execute(statement, fault));
    this.queue = run.catch(() => {});
    return {
      Id: statement.id,
      CreatedAt: now,
      Database: database,
      ...(cluster ? { ClusterIdentifier: cluster } : { WorkgroupName: workgroup }),
      ...(dbUser ? { DbUser: dbUser } : {}),
      ...(secretArn ? { SecretArn: secretArn } : {}),
    };
  }

  private async execute(statement: Statement, fault: RedshiftFault | undefined): Promise<void> {
    statement.status = 'STARTED';
    statement.updatedAt = Date.now() / 1000;
    // Give DescribeStatement a chance to see STARTED.
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!this.options.databases.includes(statement.database)) {
      this.finish(statement, 'FAILED', `FATAL: database "${statement.database}" does not exist`);
      return;
    }
    const failing = fault && (fault.type === 'fail-statement' || fault.type === 'abort-statement') ? fault : undefined;
    let current = 0;
    await this.backend.session(async (session) => {
      let open = false;
      const begin = async () => {
        await session.exec('BEGIN');
        open = true;
      };
      const commit = async () => {
        if (open) await session.exec('COMMIT');
        open = false;
      };
      try {
        if (!statement.autoCommit) await begin();
        for (const [i, sql] of statement.sqls.entries()) {
          current = i;
          statement.subs[i]!.status = 'STARTED';
          if (statement.autoCommit) await begin();
          if (failing && (!failing.match || failing.match.test(sql))) {
            throw new StatementFailure(
              failing.type === 'fail-statement' ? failing.error : 'Query was cancelled.',
              failing.type === 'abort-statement',
            );
          }
          const sub = statement.subs[i]!;
          const started = performance.now();
          const copy = /^\s*COPY\b/i.test(sql) ? parseCopy(sql) : undefined;
          if (copy) {
            sub.resultRows = await this.runCopy(session, copy, statement);
          } else {
            const { text, values } = translate(sql, statement.params);
            const result = await session.exec(text, values);
            sub.hasResultSet = result.fields.length > 0 && /^\s*(SELECT|WITH|SHOW)\b/i.test(sql);
            sub.resultRows = sub.hasResultSet ? result.rows.length : result.affected;
            if (sub.hasResultSet && !statement.batch) {
              statement.result = { columns: result.fields, records: result.rows.map((row) => result.fields.map((f) => row[f.name])) };
            }
          }
          sub.status = 'FINISHED';
          sub.durationNs = Math.round((performance.now() - started) * 1e6);
          // Redshift's TRUNCATE commits the transaction it runs in; the rest of a batch runs in a new one.
          if (statement.autoCommit || /^\s*TRUNCATE\b/i.test(sql)) {
            await commit();
            if (!statement.autoCommit && i < statement.sqls.length - 1) await begin();
          }
        }
        await commit();
        this.finish(statement, 'FINISHED');
      } catch (err) {
        if (open) await session.exec('ROLLBACK').catch(() => {});
        const aborted = err instanceof StatementFailure && err.aborted;
        const message = err instanceof StatementFailure ? err.message : `ERROR: ${err instanceof Error ? err.message : String(err)}`;
        statement.subs[current]!.error = message;
        statement.subs[current]!.status = aborted ? 'ABORTED' : 'FAILED';
        // The others of the transaction end ABORTED (after) or stay FINISHED but undone (before).
        for (const sub of statement.subs.slice(current + 1)) sub.status = 'ABORTED';
        this.finish(statement, aborted ? 'ABORTED' : 'FAILED', message);
      }
    });
  }

  private s3(region: string): S3Client {
    if (!this.options.awsEndpoint)
      throw new StatementFailure('ERROR: the Redshift fake was started without an S3 endpoint (awsEndpoint), so it cannot COPY');
    this.s3Client ??= new S3Client({
      region,
      endpoint: this.options.awsEndpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAFAKEREDSHIFTCOPY', secretAccessKey: 'fake' },
    });
    return this.s3Client;
  }

  /**
   * COPY from S3 into a table, the way Redshift runs it: the objects are read over the S3 API
   * (moto), checked against the options given, and loaded into the engine; any bad row fails
   * the whole COPY (MAXERROR 0). Returns the rows loaded.
   */
  private async runCopy(session: Session, copy: CopyCommand, statement: Statement): Promise<number> {
    const { options } = copy;
    if (!options.has('IAM_ROLE')) {
      throw new StatementFailure(
        options.has('CREDENTIALS') || options.has('ACCESS_KEY_ID')
          ? 'ERROR: the Redshift fake implements COPY credentials by IAM_ROLE only'
          : 'ERROR: Missing authorization: COPY needs IAM_ROLE, CREDENTIALS or ACCESS_KEY_ID and SECRET_ACCESS_KEY',
      );
    }
    const role = options.get('IAM_ROLE')!;
    if (!this.options.iamRoles.includes(role)) {
      throw new StatementFailure(
        `ERROR: User arn:aws:redshift:${statement.region}:123456789012:dbuser:tributary/${statement.identity} is not authorized to assume IAM Role ${role}`,
      );
    }
    if (!options.has('FORMAT JSON'))
      throw new StatementFailure(
        `ERROR: the Redshift fake implements COPY … FORMAT JSON 'auto' only (got ${[...options.keys()].join(', ')})`,
      );
    const jsonOption = options.get('FORMAT JSON')!.toLowerCase();
    if (jsonOption !== 'auto' && jsonOption !== 'auto ignorecase')
      throw new StatementFailure(`ERROR: the Redshift fake implements FORMAT JSON 'auto' only, not '${jsonOption}'`);
    const timeformat = options.get('TIMEFORMAT');
    if (timeformat !== undefined && timeformat.toLowerCase() !== 'auto')
      throw new StatementFailure(`ERROR: the Redshift fake implements TIMEFORMAT 'auto' only, not '${timeformat}'`);
    const maxError = Number(options.get('MAXERROR') ?? '0');

    const source = /^s3:\/\/([^/]+)\/(.+)$/.exec(copy.source);
    if (!source) throw new StatementFailure(`ERROR: COPY source must be an s3:// URL: ${copy.source}`);
    const [, bucket, key] = source as unknown as [string, string, string];
    const s3 = this.s3(statement.region);
    const s3Error = (err: unknown) => {
      const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      return new StatementFailure(
        `ERROR: S3ServiceException:${e.message ?? String(err)},Status ${e.$metadata?.httpStatusCode ?? 500},Error ${e.name ?? 'Error'}`,
      );
    };
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: bucket })).catch((err: unknown) => {
      throw s3Error(err);
    });
    const bucketRegion = location.LocationConstraint || 'us-east-1';
    if (bucketRegion !== (options.get('REGION') ?? statement.region)) {
      throw new StatementFailure(
        'ERROR: S3ServiceException:The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.,Status 301,Error PermanentRedirect',
      );
    }
    const fetchObject = async (objectKey: string) =>
      (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }))).Body as Readable;

    const files: string[] = [];
    if (options.has('MANIFEST')) {
      const text = await (
        await fetchObject(key).catch((err: unknown) => Promise.reject(s3Error(err)))
      )
        .toArray()
        .then((chunks) => Buffer.concat(chunks).toString('utf8'));
      let manifest: { entries?: { url?: unknown; mandatory?: unknown }[] };
      try {
        manifest = JSON.parse(text) as typeof manifest;
      } catch {
        throw new StatementFailure(`ERROR: Manifest file is not in correct json format: ${copy.source}`);
      }
      if (!Array.isArray(manifest.entries))
        throw new StatementFailure(`ERROR: Manifest file is not in correct json format: ${copy.source}`);
      for (const entry of manifest.entries) {
        const url = typeof entry.url === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(entry.url) : null;
        if (!url) throw new StatementFailure(`ERROR: Manifest entry url is not an s3:// URL: ${String(entry.url)}`);
        if (url[1] !== bucket)
          throw new StatementFailure(
            `ERROR: the Redshift fake reads manifest entries from the manifest's bucket only: ${String(entry.url)}`,
          );
        const exists = await s3
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: url[2], MaxKeys: 1 }))
          .then((r) => r.Contents?.[0]?.Key === url[2]);
        if (!exists) {
          if (entry.mandatory === true)
            throw new StatementFailure(
              `ERROR: Manifest file entry ${String(entry.url)} is mandatory and was not found. S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey`,
            );
          continue;
        }
        files.push(url[2]!);
      }
    } else {
      // Without MANIFEST, FROM names a key prefix: every object under it is loaded.
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ...(token ? { ContinuationToken: token } : {}) }),
        );
        for (const object of page.Contents ?? []) if (object.Key) files.push(object.Key);
        token = page.NextContinuationToken;
      } while (token);
      if (files.length === 0) throw new StatementFailure(`ERROR: The specified S3 prefix '${key}' does not exist`);
    }

    const [schema, table] = copy.table.includes('.') ? copy.table.split('.') : ['public', copy.table];
    const columns = await session.exec(
      `SELECT column_name, data_type, domain_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
      [schema!, table!],
    );
    if (columns.rows.length === 0) throw new StatementFailure(`ERROR: relation "${copy.table}" does not exist`);
    const target = copy.columns ?? columns.rows.map((c) => String(c.column_name));
    const types = new Map(columns.rows.map((c) => [String(c.column_name), c.domain_name === 'super' ? 'super' : String(c.data_type)]));
    for (const column of target)
      if (!types.has(column)) throw new StatementFailure(`ERROR: column "${column}" of relation "${table}" does not exist`);

    if (maxError !== 0) throw new StatementFailure('ERROR: the Redshift fake implements MAXERROR 0 only');
    if (options.has('GZIP') && options.has('ZSTD')) throw new StatementFailure('ERROR: conflicting or redundant options');
    const convert = jsonRowConverter(target, types, { ignoreCase: jsonOption === 'auto ignorecase', isoTimes: timeformat !== undefined });
    const load = `COPY ${copy.table} (${target.join(', ')}) FROM STDIN`;
    let loaded = 0;
    for (const file of files) {
      const body = await fetchObject(file).catch((err: unknown) => Promise.reject(s3Error(err)));
      const decompress = options.has('GZIP')
        ? createGunzip({ chunkSize: 1 << 20 })
        : options.has('ZSTD')
          ? createZstdDecompress({ chunkSize: 1 << 20 })
          : undefined;
      const content = decompress ? body.pipe(decompress).on('error', (err) => body.destroy(err)) : body;
      const rows = jsonLinesToCopyText(convert);
      const outcomes = await Promise.allSettled([pipeline(content, rows), session.copyIn(load, rows)]);
      const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      if (errors.length > 0) {
        // The row that broke the load says more than the engine's "COPY failed".
        const cause = errors.find((e) => e instanceof StatementFailure) ?? errors[0];
        const reason = cause instanceof Error ? cause.message : String(cause);
        throw new StatementFailure(
          `ERROR: Load into table '${table}' failed. Check 'sys_load_error_detail' system table for details. (fake: ${file}: ${reason})`,
        );
      }
      loaded += rows.rows;
    }
    return loaded;
  }

  private finish(statement: Statement, status: Statement['status'], error?: string): void {
    statement.status = status;
    if (error) statement.error = error;
    statement.updatedAt = Date.now() / 1000;
  }

  private describe(id: string): Record<string, unknown> {
    const statement = this.statementsById.get(id);
    if (!statement) throw new ApiError(400, 'ResourceNotFoundException', 'Query does not exist.');
    const single = statement.subs[0]!;
    return {
      Id: statement.id,
      Status: statement.status,
      ...(statement.error ? { Error: statement.error } : {}),
      CreatedAt: statement.createdAt,
      UpdatedAt: statement.updatedAt,
      Duration: Math.round((statement.updatedAt - statement.createdAt) * 1e9),
      Database: statement.database,
      HasResultSet: !statement.batch && single.hasResultSet,
      ResultRows: statement.batch ? -1 : single.resultRows,
      ...(statement.batch
        ? {
            SubStatements: statement.subs.map((sub, i) => ({
              Id: `${statement.id}:${i + 1}`,
              Status: sub.status,
              QueryString: statement.sqls[i],
              HasResultSet: sub.hasResultSet,
              ResultRows: sub.resultRows,
              ...(sub.durationNs !== undefined ? { Duration: sub.durationNs } : {}),
              ...(sub.error ? { Error: sub.error } : {}),
            })),
          }
        : { QueryString: statement.sqls[0] }),
      QueryParameters: statement.params,
    };
  }

  private result(id: string, nextToken: string | undefined): Record<string, unknown> {
    const statement = this.statementsById.get(id);
    if (!statement) throw new ApiError(400, 'ResourceNotFoundException', 'Query does not exist.');
    if (statement.status !== 'FINISHED')
      throw new ApiError(400, 'ValidationException', `Query ${id} is ${statement.status}; it has no result yet.`);
    if (!statement.result)
      throw new ApiError(400, 'ResourceNotFoundException', 'Query does not have result. Please check query status with DescribeStatement.');
    const start = nextToken ? Number(nextToken.replace(/^page-/, '')) : 0;
    const end = Math.min(statement.result.records.length, start + this.options.pageSize);
    return {
      ColumnMetadata: statement.result.columns.map((c) => ({ name: c.name, typeName: c.typeName, label: c.name, nullable: 1 })),
      Records: statement.result.records.slice(start, end).map((row) => row.map(field)),
      TotalNumRows: statement.result.records.length,
      ...(end < statement.result.records.length ? { NextToken: `page-${end}` } : {}),
    };
  }
}

/** A parsed `COPY <table> [(<columns>)] FROM '<source>' <options>`. */
interface CopyCommand {
  table: string;
  columns: string[] | undefined;
  source: string;
  /** Option → its argument ('' for flags), keyed by canonical name (`FORMAT JSON`, `IAM_ROLE` …). */
  options: Map<string, string>;
}

// COPY options the fake knows; those marked false it refuses by name rather than ignore.
const COPY_OPTIONS: Record<string, { argument: boolean; implemented: boolean }> = {
  IAM_ROLE: { argument: true, implemented: true },
  REGION: { argument: true, implemented: true },
  MANIFEST: { argument: false, implemented: true },
  GZIP: { argument: false, implemented: true },
  JSON: { argument: true, implemented: true },
  TIMEFORMAT: { argument: true, implemented: true },
  MAXERROR: { argument: true, implemented: true },
  COMPUPDATE: { argument: true, implemented: true },
  STATUPDATE: { argument: true, implemented: true },
  CREDENTIALS: { argument: true, implemented: false },
  ACCESS_KEY_ID: { argument: true, implemented: false },
  SECRET_ACCESS_KEY: { argument: true, implemented: false },
  SESSION_TOKEN: { argument: true, implemented: false },
  CSV: { argument: false, implemented: false },
  PARQUET: { argument: false, implemented: false },
  AVRO: { argument: true, implemented: false },
  DELIMITER: { argument: true, implemented: false },
  BZIP2: { argument: false, implemented: false },
  LZOP: { argument: false, implemented: false },
  ZSTD: { argument: false, implemented: true },
  DATEFORMAT: { argument: true, implemented: false },
  ACCEPTINVCHARS: { argument: false, implemented: false },
  TRUNCATECOLUMNS: { argument: false, implemented: false },
  EMPTYASNULL: { argument: false, implemented: false },
  BLANKSASNULL: { argument: false, implemented: false },
};

/** Parses a COPY statement; throws Redshift-like errors on what it cannot read. */
export function parseCopy(sql: string): CopyCommand {
  const head = /^\s*COPY\s+([\w.]+)\s*(?:\(([^)]*)\))?\s+FROM\s+'((?:[^']|'')*)'\s*([\s\S]*)$/i.exec(sql);
  if (!head) throw new StatementFailure('ERROR: syntax error at or near "COPY"');
  const options = new Map<string, string>();
  // Tokens: words, 'literals', numbers.
  const tokens = [...head[4]!.matchAll(/'((?:[^']|'')*)'|([A-Za-z_]+)|(\d+)/g)].map((m) =>
    m[1] !== undefined ? { literal: m[1].replaceAll("''", "'") } : { word: (m[2] ?? m[3]!).toUpperCase() },
  );
  for (let i = 0; i < tokens.length; i += 1) {
    let word = tokens[i]!.word;
    if (!word) throw new StatementFailure(`ERROR: syntax error at or near "'${tokens[i]!.literal}'"`);
    if (word === 'FORMAT') {
      if (tokens[i + 1]?.word === 'AS') i += 1;
      word = tokens[i + 1]?.word ?? '';
      i += 1;
    }
    const spec = COPY_OPTIONS[word];
    if (!spec) throw new StatementFailure(`ERROR: syntax error at or near "${word}"`);
    if (!spec.implemented) throw new StatementFailure(`ERROR: the Redshift fake does not implement the COPY option ${word}`);
    let argument = '';
    if (spec.argument) {
      if (tokens[i + 1]?.word === 'AS') i += 1;
      const next = tokens[i + 1];
      if (!next) throw new StatementFailure(`ERROR: syntax error at end of input after ${word}`);
      argument = next.literal ?? next.word!;
      if (word === 'IAM_ROLE' && next.word !== undefined && next.word !== 'DEFAULT')
        throw new StatementFailure(`ERROR: syntax error at or near "${next.word}"`);
      i += 1;
    }
    options.set(word === 'JSON' ? 'FORMAT JSON' : word, argument);
  }
  return {
    table: head[1]!,
    columns: head[2]
      ? head[2]
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : undefined,
    source: head[3]!.replaceAll("''", "'"),
    options,
  };
}

/** Turns one JSON object (a line of a FORMAT JSON 'auto' file) into one row of COPY text. */
type RowConverter = (line: string) => string;

// COPY's text format escapes (Postgres), for values that go into the engine.
const COPY_ESCAPE = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
function copyText(value: string): string {
  COPY_ESCAPE.lastIndex = 0;
  return COPY_ESCAPE.test(value) ? value.replace(COPY_ESCAPE, (ch) => COPY_ESCAPES[ch]!) : value;
}

/** Redshift's default time layout, the only one COPY reads without TIMEFORMAT. */
const DEFAULT_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{1,2}(:?\d{2})?)?$/;
const INTEGER = /^-?\d+$/;
const SCALAR = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/;

/**
 * FORMAT JSON 'auto' as Redshift applies it: each top-level key names a column (exactly, or
 * lower-cased with 'auto ignorecase'), other keys are ignored, a missing key or JSON null loads
 * NULL, objects and arrays load into SUPER as they are, strings load unescaped. Numbers keep
 * their digits (no float rounding of 64-bit ids). Times in ISO 8601 need TIMEFORMAT 'auto'.
 */
function jsonRowConverter(
  columns: string[],
  types: Map<string, string>,
  options: { ignoreCase: boolean; isoTimes: boolean },
): RowConverter {
  const converters = columns.map((column): ((raw: string) => string) => {
    const type = types.get(column)!;
    if (type === 'super') return copyText;
    const strict = type.startsWith('timestamp') && !options.isoTimes;
    const integer = type === 'bigint' || type === 'integer' || type === 'smallint';
    return (raw) => {
      const text = raw.charCodeAt(0) === 34 ? unquote(raw) : raw;
      if (strict && !DEFAULT_TIME.test(text))
        throw new StatementFailure(`Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]: ${text.slice(0, 40)}`);
      if (integer && !INTEGER.test(text)) throw new StatementFailure(`Invalid digit, Value '${text.slice(0, 20)}', Type: ${type}`);
      return copyText(text);
    };
  });
  return (line) => {
    if (line.length > MAX_JSON_OBJECT_BYTES / 4 && Buffer.byteLength(line) > MAX_JSON_OBJECT_BYTES)
      throw new StatementFailure('a JSON object exceeds 4 MB');
    const fields = topLevelFields(line, options.ignoreCase);
    let row = '';
    for (let c = 0; c < columns.length; c += 1) {
      const raw = fields.get(columns[c]!);
      row += (c === 0 ? '' : '\t') + (raw === undefined || raw === 'null' ? '\\N' : converters[c]!(raw));
    }
    return `${row}\n`;
  };
}

/** The value of a JSON string literal (parsed only when it holds escapes). */
function unquote(literal: string): string {
  return literal.includes('\\') ? (JSON.parse(literal) as string) : literal.slice(1, -1);
}

function invalidJson(line: string): StatementFailure {
  return new StatementFailure(`Invalid JSON object: ${line.slice(0, 60)}`);
}

function skipSpace(line: string, i: number): number {
  for (let c = line.charCodeAt(i); c === 32 || c === 9 || c === 13; c = line.charCodeAt(i)) i += 1;
  return i;
}

// The end of the string literal opening at `start` (just past its closing quote), quote to quote.
function stringEnd(line: string, start: number): number {
  let end = start;
  for (;;) {
    end = line.indexOf('"', end + 1);
    if (end < 0) throw invalidJson(line);
    let slashes = 0;
    while (line.charCodeAt(end - 1 - slashes) === 92) slashes += 1;
    if (slashes % 2 === 0) return end + 1;
  }
}

const STRUCTURE = /["{}[\]]/g;

// The end of the value starting at `start`: strings quote to quote, objects and arrays bracket
// to bracket (skipping strings), scalars to the next delimiter.
function valueEnd(line: string, start: number): number {
  const first = line.charCodeAt(start);
  if (first === 34) return stringEnd(line, start);
  if (first === 123 || first === 91) {
    let depth = 0;
    STRUCTURE.lastIndex = start;
    for (let match = STRUCTURE.exec(line); match; match = STRUCTURE.exec(line)) {
      const ch = match[0];
      if (ch === '"') STRUCTURE.lastIndex = stringEnd(line, match.index);
      else if (ch === '{' || ch === '[') depth += 1;
      else if ((depth -= 1) === 0) return match.index + 1;
    }
    throw invalidJson(line);
  }
  let end = start;
  for (
    let c = line.charCodeAt(end);
    end < line.length && c !== 44 && c !== 125 && c !== 32 && c !== 9 && c !== 13;
    c = line.charCodeAt(end)
  )
    end += 1;
  if (!SCALAR.test(line.slice(start, end))) throw invalidJson(line);
  return end;
}

/** The top-level keys of one JSON object and the raw text of their values; throws on anything else. */
function topLevelFields(line: string, lowerCase: boolean): Map<string, string> {
  const fields = new Map<string, string>();
  let i = skipSpace(line, 0);
  if (line.charCodeAt(i) !== 123) throw invalidJson(line);
  i = skipSpace(line, i + 1);
  if (line.charCodeAt(i) === 125) return fields;
  for (;;) {
    i = skipSpace(line, i);
    if (line.charCodeAt(i) !== 34) throw invalidJson(line);
    const keyEnd = stringEnd(line, i);
    const key = unquote(line.slice(i, keyEnd));
    i = skipSpace(line, keyEnd);
    if (line.charCodeAt(i) !== 58) throw invalidJson(line);
    i = skipSpace(line, i + 1);
    const end = valueEnd(line, i);
    fields.set(lowerCase ? key.toLowerCase() : key, line.slice(i, end));
    i = skipSpace(line, end);
    const next = line.charCodeAt(i);
    i += 1;
    if (next === 44) continue;
    if (next === 125) break;
    throw invalidJson(line);
  }
  if (skipSpace(line, i) !== line.length) throw invalidJson(line);
  return fields;
}

/** A stream from JSON lines (bytes) to COPY text rows, counting them. */
function jsonLinesToCopyText(convert: RowConverter): Transform & { rows: number } {
  let rest = '';
  const decoder = new StringDecoder('utf8');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        const lines = (rest + decoder.write(chunk)).split('\n');
        rest = lines.pop()!;
        let out = '';
        for (const line of lines) {
          if (!/\S/.test(line)) continue;
          out += convert(line);
          stream.rows += 1;
        }
        done(null, out);
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done) {
      try {
        const line = rest + decoder.end();
        if (/\S/.test(line)) {
          stream.rows += 1;
          done(null, convert(line));
        } else done();
      } catch (err) {
        done(err as Error);
      }
    },
  }) as Transform & { rows: number };
  stream.rows = 0;
  return stream;
}

function field(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { isNull: true };
  if (typeof value === 'boolean') return { booleanValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { longValue: value } : { doubleValue: value };
  if (typeof value === 'bigint') return { longValue: Number(value) };
  if (value instanceof Date) return { stringValue: value.toISOString().replace('T', ' ').replace('Z', '+00') };
  if (typeof value === 'object') return { stringValue: JSON.stringify(value) };
  return { stringValue: String(value) };
}

/**
 * Redshift SQL → Postgres SQL: `:name` → `$n` (skipping `::` casts and quoted text), SYSDATE →
 * localtimestamp, VARCHAR(MAX) → VARCHAR, table attributes stripped.
 */
export function translate(sql: string, params: { name: string; value: string }[]): { text: string; values: string[] } {
  const positions = new Map<string, number>();
  const values: string[] = [];
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i += 1) {
    const ch = sql[i]!;
    if (quote) {
      out += ch;
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
      continue;
    }
    if (ch === ':' && sql[i + 1] === ':') {
      out += '::';
      i += 1;
      continue;
    }
    const name = ch === ':' ? /^[0-9a-zA-Z_]+/.exec(sql.slice(i + 1))?.[0] : undefined;
    if (name) {
      const param = params.find((p) => p.name === name);
      if (!param) throw new Error(`parameter :${name} has no value`);
      let position = positions.get(name);
      if (position === undefined) {
        values.push(param.value);
        position = values.length;
        positions.set(name, position);
      }
      out += `$${position}`;
      i += name.length;
      continue;
    }
    out += ch;
  }
  const text = out
    .replace(/\bVARCHAR\s*\(\s*MAX\s*\)/gi, 'VARCHAR')
    .replace(/\bSYSDATE\b/gi, 'localtimestamp')
    .replace(/\s+DISTSTYLE\s+(ALL|EVEN|KEY|AUTO)\b/gi, '')
    .replace(/\s+DISTKEY\s*\(\s*\w+\s*\)/gi, '')
    .replace(/\s+(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*(AUTO\b|\([^)]*\))/gi, '')
    .replace(/\s+ENCODE\s+\w+/gi, '');
  return { text, values };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
