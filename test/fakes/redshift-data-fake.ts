/**
 * A Redshift Data API protocol fake: speaks awsJson1_1 as @aws-sdk/client-redshift-data sends it
 * (reference/warehouse-protocols.md §1.3) and runs the SQL on Postgres — PGlite by default, or a
 * real server when `databaseUrl` is given — with shims: a `super` domain over jsonb,
 * `json_parse`, `getdate()` (seconds), `SYSDATE` (transaction start, microseconds), and
 * DISTSTYLE/DISTKEY/SORTKEY/ENCODE stripped.
 *
 * Service rules it enforces that a naive fake would let pass:
 * - statements run asynchronously: ExecuteStatement/BatchExecuteStatement answer with an Id,
 *   DescribeStatement reports SUBMITTED → STARTED → FINISHED | FAILED | ABORTED;
 * - a batch is one transaction (TRANSACTION mode): a failing statement rolls back the others;
 * - statement text above 100 kB is refused (ValidationException), as are parameters with an empty
 *   value, parameter names outside [0-9a-zA-Z_], parameters no statement references, and batches
 *   of more than 40 statements;
 * - requests must carry a SigV4 Authorization header with a known access key id;
 * - results are paged (GetStatementResult NextToken).
 *
 * Faults: HTTP 5xx, throttling, hangs, dropped connections, expired credentials, access denied,
 * and a statement (or one statement of a batch) that FAILS or is ABORTED.
 * Listens on 127.0.0.1 only.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
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
  /** A real Postgres instead of PGlite (tests use a database whose name contains "test"). */
  databaseUrl?: string;
  /** Rows per GetStatementResult page (default 1,000). */
  pageSize?: number;
}

interface Statement {
  id: string;
  sqls: string[];
  params: { name: string; value: string }[];
  batch: boolean;
  status: 'SUBMITTED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';
  error?: string;
  createdAt: number;
  updatedAt: number;
  database: string;
  subs: { status: Statement['status']; resultRows: number; hasResultSet: boolean; error?: string }[];
  result?: { columns: { name: string; typeName: string }[]; records: unknown[][] };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface Executor {
  exec(sql: string, params: string[]): Promise<{ rows: Record<string, unknown>[]; fields: { name: string; typeName: string }[]; affected: number }>;
}

interface Backend {
  /** Runs `work` in one transaction (rolled back when it throws). */
  transaction<T>(work: (executor: Executor) => Promise<T>): Promise<T>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const SHIMS = [
  `DO $$ BEGIN CREATE DOMAIN super AS jsonb; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
  `CREATE OR REPLACE FUNCTION json_parse(text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT $1::jsonb $$`,
  `CREATE OR REPLACE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT date_trunc('second', localtimestamp) $$`,
];

const OID_NAMES: Record<number, string> = { 16: 'bool', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 700: 'float4', 701: 'float8', 1043: 'varchar', 1082: 'date', 1114: 'timestamp', 1184: 'timestamptz', 1700: 'numeric', 3802: 'super' };

async function pgliteBackend(): Promise<Backend> {
  const db = new PGlite();
  await db.exec(`SET TIME ZONE 'UTC'`);
  for (const shim of SHIMS) await db.exec(shim);
  return {
    transaction: (work) =>
      db.transaction(async (tx) =>
        work({
          exec: async (text, params) => {
            const result = await tx.query<Record<string, unknown>>(text, params);
            return {
              rows: result.rows,
              fields: result.fields.map((f) => ({ name: f.name, typeName: OID_NAMES[f.dataTypeID] ?? 'varchar' })),
              affected: result.affectedRows ?? result.rows.length,
            };
          },
        }),
      ),
    query: async (text) => (await db.query<Record<string, unknown>>(text)).rows,
    close: () => db.close(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: 'UTC' }, types: { bigint: postgres.BigInt } });
  for (const shim of SHIMS) await sql.unsafe(shim);
  return {
    transaction: async (work) =>
      (await sql.begin(async (tx) =>
        work({
          exec: async (text, params) => {
            const result = await tx.unsafe(text, params);
            return {
              rows: [...result] as Record<string, unknown>[],
              fields: (result.columns ?? []).map((c) => ({ name: c.name, typeName: OID_NAMES[c.type] ?? 'varchar' })),
              affected: result.count ?? 0,
            };
          },
        }),
      )) as never,
    query: async (text) => [...(await sql.unsafe(text))] as Record<string, unknown>[],
    close: () => sql.end(),
  };
}

const MAX_SQL_BYTES = 100 * 1000;

/** The fake. `await RedshiftDataFake.start()`, point the SDK at `endpoint`, `await close()`. */
export class RedshiftDataFake {
  readonly requests: RedshiftFakeRequest[] = [];
  private readonly faults: RedshiftFault[] = [];
  private readonly statementsById = new Map<string, Statement>();
  private readonly sockets = new Set<Socket>();
  private readonly hung = new Set<ServerResponse>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    private readonly backend: Backend,
    private readonly options: Required<Omit<RedshiftFakeOptions, 'databaseUrl'>>,
    readonly endpoint: string,
  ) {}

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
        pageSize: options.pageSize ?? 1000,
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
    await this.backend.close();
  }

  private takeFault(operation: string, sqls?: string[]): RedshiftFault | undefined {
    const statementFault = (f: RedshiftFault) => f.type === 'fail-statement' || f.type === 'abort-statement';
    const index = this.faults.findIndex(
      (f) =>
        (!f.operation || f.operation === operation) &&
        (statementFault(f) ? sqls !== undefined && (!f.match || sqls.some((s) => f.match!.test(s))) : !f.match || (sqls?.some((s) => f.match!.test(s)) ?? false)),
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
    const sqls = operation === 'ExecuteStatement' ? [String(input.Sql ?? '')] : operation === 'BatchExecuteStatement' ? ((input.Sqls as string[]) ?? []) : undefined;
    const entry: RedshiftFakeRequest = { operation, ...(sqls ? { sqls, parameterCount: ((input.Parameters as unknown[]) ?? []).length } : {}) };
    this.requests.push(entry);
    try {
      if (req.headers['content-type'] !== 'application/x-amz-json-1.1') throw new ApiError(400, 'SerializationException', 'expected application/x-amz-json-1.1');
      const key = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!key || !this.options.accessKeyIds.includes(key)) {
        throw new ApiError(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
      }
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
        case 'hang':
          this.hung.add(res);
          res.on('close', () => this.hung.delete(res));
          return;
        case 'drop':
          res.socket?.destroy();
          return;
        default:
      }
      const output = await this.operation(operation, input, fault);
      if (typeof output.Id === 'string') entry.statementId = output.Id;
      send(res, 200, output);
    } catch (err) {
      const error = err instanceof ApiError ? err : new ApiError(500, 'InternalServerException', String(err));
      entry.error = `${error.type}: ${error.message}`;
      res.setHeader('x-amzn-errortype', error.type);
      send(res, error.status, { __type: error.type, message: error.message });
    }
  }

  private async operation(operation: string, input: Record<string, unknown>, fault: RedshiftFault | undefined): Promise<Record<string, unknown>> {
    switch (operation) {
      case 'ExecuteStatement':
        return this.submit([String(input.Sql ?? '')], input, false, fault);
      case 'BatchExecuteStatement':
        return this.submit((input.Sqls as string[] | undefined) ?? [], input, true, fault);
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

  private submit(sqls: string[], input: Record<string, unknown>, batch: boolean, fault: RedshiftFault | undefined): Record<string, unknown> {
    const cluster = input.ClusterIdentifier as string | undefined;
    const workgroup = input.WorkgroupName as string | undefined;
    if ((cluster === undefined) === (workgroup === undefined)) {
      throw new ApiError(400, 'ValidationException', 'Either ClusterIdentifier or WorkgroupName must be specified.');
    }
    if (cluster !== undefined && !this.options.clusters.includes(cluster)) {
      throw new ApiError(400, 'ValidationException', `Redshift endpoint doesn't exist in this region.`);
    }
    if (workgroup !== undefined && !this.options.workgroups.includes(workgroup)) {
      throw new ApiError(400, 'ResourceNotFoundException', `Workgroup ${workgroup} not found.`);
    }
    if (cluster !== undefined && input.DbUser === undefined && input.SecretArn === undefined) {
      throw new ApiError(400, 'ValidationException', 'Either DbUser or SecretArn must be specified for a cluster.');
    }
    if (batch && (sqls.length < 1 || sqls.length > 40)) throw new ApiError(400, 'ValidationException', 'Sqls must hold 1 to 40 statements.');
    for (const sql of sqls) {
      if (Buffer.byteLength(sql) > MAX_SQL_BYTES) throw new ApiError(400, 'ValidationException', 'Cannot process query string larger than 100kB');
    }
    const params = ((input.Parameters as { name?: string; value?: string }[] | undefined) ?? []).map((p) => ({ name: String(p.name ?? ''), value: p.value }));
    for (const [i, p] of params.entries()) {
      if (!/^[0-9a-zA-Z_]+$/.test(p.name)) throw new ApiError(400, 'ValidationException', `Parameters.${i + 1}.name must match [0-9a-zA-Z_]+`);
      if (typeof p.value !== 'string' || p.value.length < 1) {
        throw new ApiError(400, 'ValidationException', `Parameters.${i + 1}.value: Member must have length greater than or equal to 1`);
      }
      const used = new RegExp(`(?<!:):${p.name}\\b`);
      if (!sqls.some((sql) => used.test(sql))) throw new ApiError(400, 'ValidationException', `Parameter ${p.name} is not referenced by any statement.`);
    }
    const database = String(input.Database ?? '');
    const now = Date.now() / 1000;
    const statement: Statement = {
      id: randomUUID(),
      sqls,
      params: params as { name: string; value: string }[],
      batch,
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
      ...(input.DbUser ? { DbUser: input.DbUser } : {}),
      ...(input.SecretArn ? { SecretArn: input.SecretArn } : {}),
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
    try {
      await this.backend.transaction(async (executor) => {
        for (const [i, sql] of statement.sqls.entries()) {
          current = i;
          statement.subs[i]!.status = 'STARTED';
          if (failing && (!failing.match || failing.match.test(sql))) {
            throw new StatementFailure(failing.type === 'fail-statement' ? failing.error : 'Query was cancelled.', failing.type === 'abort-statement');
          }
          const { text, values } = translate(sql, statement.params);
          const result = await executor.exec(text, values);
          const sub = statement.subs[i]!;
          sub.status = 'FINISHED';
          sub.hasResultSet = result.fields.length > 0 && /^\s*(SELECT|WITH|SHOW)\b/i.test(sql);
          sub.resultRows = sub.hasResultSet ? result.rows.length : result.affected;
          if (sub.hasResultSet && !statement.batch) {
            statement.result = { columns: result.fields, records: result.rows.map((row) => result.fields.map((f) => row[f.name])) };
          }
        }
      });
      this.finish(statement, 'FINISHED');
    } catch (err) {
      const aborted = err instanceof StatementFailure && err.aborted;
      const message = err instanceof StatementFailure ? err.message : `ERROR: ${err instanceof Error ? err.message : String(err)}`;
      statement.subs[current]!.error = message;
      statement.subs[current]!.status = aborted ? 'ABORTED' : 'FAILED';
      // Everything in the transaction is rolled back: the others end ABORTED (after) or stay
      // FINISHED but undone (before).
      for (const sub of statement.subs.slice(current + 1)) sub.status = 'ABORTED';
      this.finish(statement, aborted ? 'ABORTED' : 'FAILED', message);
    }
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
    if (statement.status !== 'FINISHED') throw new ApiError(400, 'ValidationException', `Query ${id} is ${statement.status}; it has no result yet.`);
    if (!statement.result) throw new ApiError(400, 'ResourceNotFoundException', 'Query does not have result. Please check query status with DescribeStatement.');
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

class StatementFailure extends Error {
  constructor(
    message: string,
    readonly aborted: boolean,
  ) {
    super(message);
  }
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
