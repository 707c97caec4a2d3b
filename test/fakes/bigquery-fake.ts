/**
 * A BigQuery REST v2 protocol fake for tests, backed by DuckDB.
 *
 * It speaks the API the way `@google-cloud/bigquery` 8.x uses it (see
 * docs/warehouses-bigquery.md, "Testing without the cloud"): datasets and tables, `jobs.insert` for query
 * jobs, multipart and resumable uploads for load jobs (NEWLINE_DELIMITED_JSON), `jobs.get`,
 * `jobs.query` and `jobs.getQueryResults` with `jobComplete:false` polling and `pageToken`
 * paging, and `tabledata.insertAll`. Paths are accepted with or without the `/bigquery/v2` prefix. SQL is
 * rewritten to DuckDB (bigquery-sql.ts) and run there; TIMESTAMP cells are returned as int64
 * microsecond strings, as the SDK asks (`formatOptions.useInt64Timestamp`).
 *
 * It enforces what a naive fake would let pass:
 * - the streaming-buffer rule: rows written by `insertAll` cannot be changed by UPDATE, DELETE,
 *   MERGE or TRUNCATE until the buffer is flushed (30 minutes by default, or `flushStreamingBuffer`),
 *   answered with 400 `invalidQuery` like BigQuery;
 * - authentication: every request needs `Authorization: Bearer` with a token of its
 *   {@link FakeTokenStore} (a static token, one issued by the token services fake of
 *   bigquery-auth-fake.ts) or a self-signed service-account JWT whose signature, issuer, scope and
 *   expiry check out; each request logs the principal it authenticated;
 * - the resumable upload protocol as Google documents it ("API uploads"): a session opened with
 *   `uploadType=resumable`, chunks PUT with `Content-Range` that starts where the session's
 *   persisted bytes end, whose length matches the body, and which (but for the last) is a multiple
 *   of 256 KiB, answered 308 with `Range`; a status query (`bytes *\/total`); the job on the last
 *   chunk. Multipart uploads are refused beyond `multipartLimitBytes` (5 MiB: Google documents
 *   multipart for small files and resumable for large ones), so a plugin that sends a large
 *   window in one request fails;
 * - partition pruning of a MERGE into a day-partitioned table, reported in its job statistics
 *   (`totalPartitionsProcessed`, `totalBytesProcessed`): as BigQuery documents, only a constant
 *   filter on the partitioning column (a literal or a query parameter) in the merge condition
 *   prunes; the bytes follow BigQuery's DML pricing rule for a MERGE with an UPDATE clause (every
 *   column of the target's scanned partitions plus the source's bytes, in BigQuery's logical
 *   sizes: 2 + UTF-8 length for STRING, 8 for INT64 and TIMESTAMP);
 * - REQUIRED columns (NOT NULL), `createDisposition`, `writeDisposition`, `maxBadRecords: 0`.
 *
 * Every request and SQL statement is logged; faults can be injected (HTTP errors, throttling,
 * hangs, dropped connections, expired tokens, a failure inside a statement that rolls it back).
 * It listens on 127.0.0.1 only.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, DuckDBTypeId, listValue } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { BIGQUERY_SCOPE, FakeAuthError, FakeTokenStore } from './bigquery-auth-fake.ts';
import { DUCKDB_TYPES, parseTableName, rewriteStatement, splitStatements, statementTarget } from './bigquery-sql.ts';

/** One logged HTTP request. */
export interface FakeRequest {
  method: string;
  /** Path without the optional `/bigquery/v2` prefix and without the query string. */
  path: string;
  /** The query string, e.g. `?location=US&pageToken=7`. */
  query: string;
  /** A short name of the API method, e.g. `jobs.insert`, `upload`, `jobs.getQueryResults`. */
  api: string;
  /** The HTTP status answered (0 when the connection was dropped or left hanging). */
  status: number;
  /** The SQL of a query job or jobs.query. */
  sql?: string;
  /** Bytes of the request body. */
  bytes: number;
  /** Who the request authenticated as (a service account email, a federated principal, a static token). */
  principal?: string;
  /** The `Content-Range` of an upload chunk or status query. */
  contentRange?: string;
}

/** What a MERGE into a partitioned table read, by BigQuery's pruning and DML pricing rules. */
export interface MergeScan {
  /** The constant bounds on the partitioning column found in the merge condition, if any. */
  from: string | null;
  to: string | null;
  /** Day partitions of the target read, and that the target holds. */
  partitionsScanned: number;
  partitionsTotal: number;
  /** Logical bytes billed: every column of the scanned target partitions plus the source's. */
  bytesProcessed: number;
  /** The same if the merge had read every partition. */
  bytesUnbounded: number;
  /** The source's logical bytes (part of both figures above). */
  sourceBytes: number;
  /** Rows the target held. */
  targetRows: number;
}

/** A fault answered instead of the real response. */
export type BigqueryFault =
  | { type: 'http'; status: number; reason: string; message?: string }
  | { type: 'hang' }
  | { type: 'drop' }
  | { type: 'expiredToken' }
  /** Runs the statement inside a transaction, then fails the job and rolls it back. */
  | { type: 'failMidStatement'; reason?: string; message?: string }
  /** Accepts the job, which then ends DONE with this `errorResult` (how a load job reports a quota). */
  | { type: 'jobError'; reason: string; message?: string }
  /** Does the work, then drops the connection instead of answering (a response lost on the way). */
  | { type: 'lostResponse' }
  /** An upload chunk of which the server persists only the first `bytes` (and says so in `Range`). */
  | { type: 'persistOnly'; bytes: number };

/** Which requests a fault applies to. All given fields must match. */
export interface FaultMatch {
  api?: string | RegExp;
  method?: string;
  /** Matched against the SQL of query jobs (jobs.insert, jobs.query). */
  sql?: RegExp;
}

interface FaultRule {
  match: FaultMatch;
  fault: BigqueryFault;
  remaining: number;
}

interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  description?: string;
}

interface TableRecord {
  resource: Record<string, unknown> & { schema: { fields: FieldSchema[] } };
  streamingBufferUntil: number;
  streamedRows: number;
}

interface JobRecord {
  resource: Record<string, unknown> & {
    jobReference: { projectId: string; jobId: string; location: string };
    status: { state: string; errorResult?: ErrorItem; errors?: ErrorItem[] };
  };
  rows: { f: { v: unknown }[] }[];
  schema?: { fields: FieldSchema[] };
  numDmlAffectedRows?: number;
  pollsLeft: number;
  error?: { status: number; item: ErrorItem };
}

interface ErrorItem {
  reason: string;
  message: string;
  domain?: string;
  location?: string;
}

/** A resumable upload session. */
interface UploadSession {
  id: string;
  /** The job resource sent when the session was opened. */
  job: Record<string, any>;
  /** Where the persisted bytes are, and the file open for appending until the last chunk. */
  file: string;
  handle: FileHandle;
  received: number;
  /** The total size, once a chunk named it. */
  total?: number;
  /** `X-Upload-Content-Length` of the initiation, when given. */
  declaredTotal?: number;
  /** The load job, once the last chunk arrived. */
  done?: JobRecord;
}

/** A request body, as the pieces it arrived in. */
interface ReadBody {
  pieces: Buffer[];
  bytes: number;
  /** Longer than the limit it was read with (then empty). */
  tooLarge: boolean;
  /** The pieces joined (once). */
  body(): Buffer;
}

/** A TIMESTAMP value as BigQuery takes it (`…T…[.fffffffff]Z`, or with a space and an offset) in DuckDB's form, to the microsecond. */
function timestampText(value: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(value.trim());
  if (!match) return value;
  const [, date, time, fraction = '', zone] = match;
  const offset = !zone || /^(Z|UTC)$/i.test(zone) ? 'Z' : zone;
  return `${date}T${time}.${fraction.padEnd(6, '0').slice(0, 6)}${offset}`;
}

class BigqueryHttpError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

/** Options of {@link startBigqueryFake}. */
export interface BigqueryFakeOptions {
  /** The project the fake serves (others answer 404). Default `test-proj`. */
  projectId?: string;
  /** The tokens accepted; by default a store holding `staticTokens` and `serviceAccounts`. */
  tokens?: FakeTokenStore;
  /** Bearer tokens accepted as they are (an `OAuth2Client` with a static token). Default `['fake']`. */
  staticTokens?: string[];
  /** Service accounts whose self-signed JWTs are accepted: email → public key PEM. */
  serviceAccounts?: Record<string, string>;
  /** The largest multipart upload accepted. Default 5 MiB. */
  multipartLimitBytes?: number;
  /** How many polls a job stays RUNNING / `jobComplete:false` before it is DONE. Default 0. */
  pollsUntilDone?: number;
  /** Rows per page of query results when the client gives no maxResults. Default 10,000. */
  pageSize?: number;
  /** How long rows written by insertAll stay in the streaming buffer. Default 30 minutes. */
  streamingBufferMs?: number;
}

/** A running fake. */
export interface BigqueryFake {
  /** `http://127.0.0.1:PORT`, for the SDK's `apiEndpoint`. */
  url: string;
  projectId: string;
  /** Every request, in order. */
  requests: FakeRequest[];
  /** Every SQL statement received (BigQuery dialect, as sent), in order. */
  statements: string[];
  /** What each MERGE into a partitioned table read, in order. */
  mergeScans: MergeScan[];
  /** The tokens it accepts. */
  tokens: FakeTokenStore;
  /** Adds a fault for the next `times` matching requests (default 1). */
  injectFault(match: FaultMatch, fault: BigqueryFault, times?: number): void;
  /** Removes every pending fault. */
  clearFaults(): void;
  /** Forgets the request and statement logs. */
  resetLog(): void;
  /** Moves every streamed row out of the streaming buffer (as if 30 minutes had passed). */
  flushStreamingBuffer(): void;
  /** Runs DuckDB SQL directly on the backing database (for assertions). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const CHUNK_GRANULE = 256 * 1024;

/** Starts a fake on 127.0.0.1 with a random port. */
export async function startBigqueryFake(options: BigqueryFakeOptions = {}): Promise<BigqueryFake> {
  const projectId = options.projectId ?? 'test-proj';
  const tokens = options.tokens ?? new FakeTokenStore();
  if (!options.tokens) {
    for (const token of options.staticTokens ?? ['fake']) tokens.addStatic(token);
    for (const [email, pem] of Object.entries(options.serviceAccounts ?? {})) tokens.addServiceAccount(email, pem);
  }
  const multipartLimitBytes = options.multipartLimitBytes ?? 5 * 1024 * 1024;
  const pageSize = options.pageSize ?? 10_000;
  const streamingBufferMs = options.streamingBufferMs ?? 30 * 60_000;
  const instance = await DuckDBInstance.create(':memory:');
  const db = await instance.connect();
  await db.run(`SET TimeZone = 'UTC'`);
  const scratch = mkdtempSync(join(tmpdir(), 'tributary-bq-fake-'));

  const datasets = new Map<string, Record<string, unknown>>();
  const tables = new Map<string, TableRecord>();
  const jobs = new Map<string, JobRecord>();
  const requests: FakeRequest[] = [];
  const statements: string[] = [];
  const mergeScans: MergeScan[] = [];
  const sessions = new Map<string, UploadSession>();
  let faults: FaultRule[] = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  // One statement at a time, like one DuckDB connection would need anyway.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const next = queue.then(work, work);
    queue = next.catch(() => {});
    return next;
  }

  const tableKey = (datasetId: string, tableId: string) => `${datasetId}.${tableId}`;

  function requireProject(p: string) {
    if (p !== projectId) throw new BigqueryHttpError(404, 'notFound', `Not found: Project ${p}`);
  }
  function requireDataset(datasetId: string) {
    if (!datasets.has(datasetId)) {
      throw new BigqueryHttpError(404, 'notFound', `Not found: Dataset ${projectId}:${datasetId}`);
    }
  }
  function requireTable(datasetId: string, tableId: string): TableRecord {
    requireDataset(datasetId);
    const table = tables.get(tableKey(datasetId, tableId));
    if (!table) throw new BigqueryHttpError(404, 'notFound', `Not found: Table ${projectId}:${datasetId}.${tableId}`);
    return table;
  }

  function duckType(field: FieldSchema): string {
    const type = DUCKDB_TYPES[field.type.toUpperCase()];
    if (!type) throw new BigqueryHttpError(400, 'invalid', `Unsupported type ${field.type} for field ${field.name}`);
    return field.mode === 'REPEATED' ? `${type}[]` : type;
  }
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`;

  // ----- authentication -----------------------------------------------------------------------

  function authenticate(req: IncomingMessage): string {
    try {
      return tokens.principalOf(req.headers.authorization, BIGQUERY_SCOPE);
    } catch (err) {
      if (!(err instanceof FakeAuthError)) throw err;
      throw new BigqueryHttpError(
        401,
        'authError',
        `Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. (${err.message})`,
      );
    }
  }

  // ----- SQL execution ------------------------------------------------------------------------

  function checkStreamingBuffer(sql: string) {
    const { kind, table } = statementTarget(sql);
    if (!table || !['MERGE', 'UPDATE', 'DELETE', 'TRUNCATE'].includes(kind)) return;
    const record = tables.get(tableKey(table.datasetId, table.tableId));
    if (record && record.streamingBufferUntil > Date.now()) {
      throw new BigqueryHttpError(
        400,
        'invalidQuery',
        `${kind === 'MERGE' ? 'MERGE' : 'UPDATE or DELETE'} statement over table ${projectId}.${table.datasetId}.${table.tableId} would affect rows in the streaming buffer, which is not supported`,
      );
    }
  }

  function checkTablesExist(sql: string) {
    for (const match of sql.matchAll(/`([^`]+)`/g)) {
      const name = parseTableName(match[1]!);
      if (!name) continue;
      if (name.projectId && name.projectId !== projectId) requireProject(name.projectId);
      requireTable(name.datasetId, name.tableId);
    }
  }

  function bindParams(parameters: unknown): Record<string, DuckDBValue> | undefined {
    if (!Array.isArray(parameters) || parameters.length === 0) return undefined;
    const values: Record<string, DuckDBValue> = {};
    type Parameter = {
      name?: string;
      parameterType?: { type?: string; arrayType?: { type?: string } };
      parameterValue?: { value?: unknown; arrayValues?: { value?: unknown }[] };
    };
    for (const p of parameters as Parameter[]) {
      if (!p.name) throw new BigqueryHttpError(400, 'invalid', 'positional parameters are not supported by this fake');
      const raw = p.parameterValue?.value;
      const type = p.parameterType?.type ?? 'STRING';
      if (type === 'ARRAY') {
        if (p.parameterType?.arrayType?.type !== 'STRING')
          throw new BigqueryHttpError(400, 'invalid', 'this fake binds ARRAY<STRING> parameters only');
        values[p.name] = listValue(
          (p.parameterValue?.arrayValues ?? []).map((v) => (v.value === undefined || v.value === null ? null : String(v.value))),
        );
        continue;
      }
      values[p.name] =
        raw === undefined || raw === null
          ? null
          : type === 'INT64'
            ? BigInt(String(raw))
            : type === 'FLOAT64'
              ? Number(raw)
              : type === 'BOOL'
                ? raw === true || raw === 'true'
                : type === 'TIMESTAMP'
                  ? timestampText(String(raw))
                  : String(raw);
    }
    return values;
  }

  // The bytes of one row in BigQuery's logical sizes (what on-demand queries are billed by).
  function rowBytesSql(fields: FieldSchema[]): string {
    return fields
      .map((f) =>
        /^(STRING|JSON|BYTES)$/i.test(f.type)
          ? `coalesce(2 + strlen(CAST(${q(f.name)} AS VARCHAR)), 0)`
          : `(CASE WHEN ${q(f.name)} IS NULL THEN 0 ELSE ${/^BOOL/i.test(f.type) ? 1 : 8} END)`,
      )
      .join(' + ');
  }

  /**
   * What a MERGE into a day-partitioned table reads, judged before it runs: BigQuery prunes the
   * target's partitions only by a constant filter on the partitioning column in the merge
   * condition (`T.col BETWEEN @a AND @b`, or TIMESTAMP literals).
   */
  async function mergeScan(sql: string, parameters: unknown): Promise<MergeScan | undefined> {
    const { kind, table } = statementTarget(sql);
    if (kind !== 'MERGE' || !table) return undefined;
    const target = tables.get(tableKey(table.datasetId, table.tableId));
    const field = (target?.resource.timePartitioning as { field?: string } | undefined)?.field;
    if (!target || !field) return undefined;
    const alias = /^\s*MERGE\s+(?:INTO\s+)?(?:`[^`]+`|[\w.-]+)\s+(?:AS\s+)?(\w+)/i.exec(sql)?.[1] ?? '';
    const condition = /\bON\b([\s\S]*?)\bWHEN\b/i.exec(sql)?.[1] ?? '';
    const values = new Map(
      ((Array.isArray(parameters) ? parameters : []) as { name?: string; parameterValue?: { value?: unknown } }[]).map((p) => [
        p.name,
        p.parameterValue?.value,
      ]),
    );
    const constant = (text: string): string | null => {
      const value = text.startsWith('@') ? values.get(text.slice(1)) : /^TIMESTAMP\s*'([^']+)'$/i.exec(text)?.[1];
      return typeof value === 'string' ? timestampText(value) : null;
    };
    const operand = "(@\\w+|TIMESTAMP\\s*'[^']*')";
    const bound = new RegExp(`\\b${alias}\\.${field}\\s+BETWEEN\\s+${operand}\\s+AND\\s+${operand}`, 'i').exec(condition);
    const from = bound ? constant(bound[1]!) : null;
    const to = bound ? constant(bound[2]!) : null;
    const day = `CAST(${q(field)} AS DATE)`;
    const inRange =
      from && to ? `${day} BETWEEN CAST(CAST($from AS TIMESTAMPTZ) AS DATE) AND CAST(CAST($to AS TIMESTAMPTZ) AS DATE)` : 'TRUE';
    const sources = [...sql.matchAll(/`([^`]+)`/g)]
      .map((m) => parseTableName(m[1]!))
      .filter((name): name is NonNullable<typeof name> => !!name && name.tableId !== table.tableId)
      .map((name) => ({ name, record: tables.get(tableKey(name.datasetId, name.tableId)) }));
    return serial(async () => {
      const reader = await db.runAndReadAll(
        `SELECT count(DISTINCT ${day}) AS total, count(DISTINCT ${day}) FILTER (WHERE ${inRange}) AS scanned, count(*) AS target_rows,
          coalesce(sum(${rowBytesSql(target.resource.schema.fields)}), 0) AS total_bytes,
          coalesce(sum(${rowBytesSql(target.resource.schema.fields)}) FILTER (WHERE ${inRange}), 0) AS scanned_bytes
        FROM ${q(table.datasetId)}.${q(table.tableId)}`,
        from && to ? { from, to } : undefined,
      );
      const [total, scanned, targetRows, totalBytes, scannedBytes] = reader.getRows()[0]!.map(Number) as [
        number,
        number,
        number,
        number,
        number,
      ];
      let sourceBytes = 0;
      for (const { name, record } of sources) {
        if (!record) continue;
        const bytes = await db.runAndReadAll(
          `SELECT coalesce(sum(${rowBytesSql(record.resource.schema.fields)}), 0) FROM ${q(name.datasetId)}.${q(name.tableId)}`,
        );
        sourceBytes += Number(bytes.getRows()[0]![0]);
      }
      return {
        from,
        to,
        partitionsScanned: scanned,
        partitionsTotal: total,
        bytesProcessed: scannedBytes + sourceBytes,
        bytesUnbounded: totalBytes + sourceBytes,
        sourceBytes,
        targetRows,
      };
    });
  }

  interface SqlOutcome {
    rows: { f: { v: unknown }[] }[];
    schema?: { fields: FieldSchema[] };
    numDmlAffectedRows?: number;
    statementType: string;
  }

  // Runs a statement or a script; a script's BEGIN TRANSACTION … COMMIT TRANSACTION maps onto DuckDB's.
  async function runSql(sql: string, parameters: unknown, fault?: BigqueryFault): Promise<SqlOutcome> {
    statements.push(sql);
    const parts = splitStatements(sql);
    if (parts.length === 0) throw new BigqueryHttpError(400, 'invalidQuery', 'Syntax error: Unexpected end of script');
    for (const part of parts) {
      checkTablesExist(part);
      checkStreamingBuffer(part);
    }
    const params = bindParams(parameters);
    return serial(async () => {
      const explicit = parts.some((p) => /^BEGIN(\s+TRANSACTION)?$/i.test(p));
      let open = false;
      let last: SqlOutcome = { rows: [], statementType: 'SCRIPT' };
      // Script variables: DECLARE name INT64 DEFAULT n, SET name = @@row_count, SELECT name, ...
      const variables = new Map<string, number>();
      const begin = async () => {
        await db.run('BEGIN TRANSACTION');
        open = true;
      };
      try {
        // A failure injected "in the middle" runs the work in a transaction, then rolls it back.
        if (fault?.type === 'failMidStatement' && !explicit) await begin();
        for (const part of parts) {
          if (/^BEGIN(\s+TRANSACTION)?$/i.test(part)) {
            if (!open) await begin();
            continue;
          }
          if (/^COMMIT(\s+TRANSACTION)?$/i.test(part)) {
            if (fault?.type === 'failMidStatement') break;
            await db.run('COMMIT');
            open = false;
            continue;
          }
          const declared = /^DECLARE\s+(\w+)\s+INT64\s+DEFAULT\s+(\d+)$/i.exec(part);
          if (declared) {
            variables.set(declared[1]!.toLowerCase(), Number(declared[2]));
            continue;
          }
          const assigned = /^SET\s+(\w+)\s*=\s*@@row_count$/i.exec(part);
          if (assigned) {
            if (!variables.has(assigned[1]!.toLowerCase()))
              throw new BigqueryHttpError(400, 'invalidQuery', `Unrecognized name: ${assigned[1]}`);
            if (last.numDmlAffectedRows === undefined)
              throw new BigqueryHttpError(400, 'invalidQuery', '@@row_count read after a statement that is not DML');
            variables.set(assigned[1]!.toLowerCase(), last.numDmlAffectedRows);
            continue;
          }
          const selected = /^SELECT\s+(\w+(?:\s*,\s*\w+)*)$/i.exec(part);
          const names = selected?.[1]!.split(',').map((n) => n.trim().toLowerCase());
          if (names && names.every((n) => variables.has(n))) {
            const fields: FieldSchema[] = names.map((name) => ({ name, type: 'INTEGER', mode: 'NULLABLE' }));
            last = { rows: [{ f: names.map((n) => ({ v: String(variables.get(n)) })) }], schema: { fields }, statementType: 'SELECT' };
            continue;
          }
          last = await runOne(db, part, params);
        }
        if (fault?.type === 'failMidStatement') {
          throw new BigqueryHttpError(
            500,
            fault.reason ?? 'backendError',
            fault.message ?? 'Error encountered during execution. Retrying may solve the problem.',
          );
        }
        if (open) throw new BigqueryHttpError(400, 'invalidQuery', 'Transaction was never committed');
        return parts.length > 1 ? { ...last, statementType: 'SCRIPT' } : last;
      } catch (err) {
        if (open) await db.run('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  async function runOne(connection: DuckDBConnection, statement: string, params?: Record<string, DuckDBValue>): Promise<SqlOutcome> {
    const { kind } = statementTarget(statement);
    const rewritten = rewriteStatement(statement);
    const used = params ? Object.fromEntries(Object.entries(params).filter(([name]) => rewritten.includes(`$${name}`))) : undefined;
    let reader;
    try {
      reader = await connection.runAndReadAll(rewritten, used && Object.keys(used).length ? used : undefined);
    } catch (err) {
      throw new BigqueryHttpError(400, 'invalidQuery', `${(err as Error).message} [at fake: ${rewritten.slice(0, 200)}]`);
    }
    if (['MERGE', 'UPDATE', 'DELETE', 'INSERT', 'TRUNCATE'].includes(kind)) {
      return { rows: [], numDmlAffectedRows: reader.rowsChanged, statementType: kind };
    }
    if (kind !== 'SELECT' && kind !== 'WITH') return { rows: [], statementType: kind };
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const fields: FieldSchema[] = names.map((name, i) => ({ name, type: bigqueryType(types[i]!), mode: 'NULLABLE' }));
    const rows = reader.getRows().map((row) => ({ f: row.map((value) => ({ v: cell(value) })) }));
    return { rows, schema: { fields }, statementType: 'SELECT' };
  }

  // ----- jobs ---------------------------------------------------------------------------------

  function newJob(reference: { jobId?: string; location?: string } | undefined, configuration: unknown): JobRecord {
    const jobId = reference?.jobId ?? `job_${randomUUID()}`;
    if (jobs.has(jobId)) throw new BigqueryHttpError(409, 'duplicate', `Already Exists: Job ${projectId}:${jobId}`);
    const now = String(Date.now());
    const record: JobRecord = {
      resource: {
        kind: 'bigquery#job',
        id: `${projectId}:${reference?.location ?? 'US'}.${jobId}`,
        jobReference: { projectId, jobId, location: reference?.location ?? 'US' },
        configuration: configuration as Record<string, unknown>,
        status: { state: 'DONE' },
        statistics: { creationTime: now, startTime: now, endTime: now },
      },
      rows: [],
      pollsLeft: options.pollsUntilDone ?? 0,
    };
    jobs.set(jobId, record);
    return record;
  }

  function failJob(job: JobRecord, err: unknown) {
    const status = err instanceof BigqueryHttpError ? err.status : 500;
    const item: ErrorItem = {
      reason: err instanceof BigqueryHttpError ? err.reason : 'internalError',
      message: (err as Error).message,
      domain: 'global',
    };
    job.error = { status, item };
    job.resource.status = { state: 'DONE', errorResult: item, errors: [item] };
  }

  function jobView(job: JobRecord) {
    if (job.pollsLeft > 0) return { ...job.resource, status: { state: 'RUNNING' } };
    return job.resource;
  }

  async function runQueryJob(job: JobRecord, sql: string, parameters: unknown, fault?: BigqueryFault) {
    try {
      if (fault?.type === 'jobError') throw new BigqueryHttpError(403, fault.reason, fault.message ?? `injected ${fault.reason}`);
      const scan = await mergeScan(sql, parameters);
      if (scan) mergeScans.push(scan);
      const outcome = await runSql(sql, parameters, fault);
      job.rows = outcome.rows;
      job.schema = outcome.schema;
      job.numDmlAffectedRows = outcome.numDmlAffectedRows;
      const statistics = job.resource.statistics as Record<string, unknown>;
      statistics.query = {
        statementType: outcome.statementType,
        ...(outcome.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(outcome.numDmlAffectedRows) } : {}),
        totalBytesProcessed: String(scan?.bytesProcessed ?? 0),
        ...(scan ? { totalPartitionsProcessed: String(scan.partitionsScanned) } : {}),
      };
    } catch (err) {
      failJob(job, err);
    }
  }

  function queryResults(job: JobRecord, url: URL) {
    if (job.pollsLeft > 0) {
      job.pollsLeft -= 1;
      return { kind: 'bigquery#getQueryResultsResponse', jobReference: job.resource.jobReference, jobComplete: false };
    }
    if (job.error) throw new BigqueryHttpError(job.error.status, job.error.item.reason, job.error.item.message);
    const start = Number(url.searchParams.get('pageToken') ?? url.searchParams.get('startIndex') ?? 0);
    const max = Number(url.searchParams.get('maxResults') ?? pageSize);
    const page = job.rows.slice(start, start + max);
    const next = start + page.length;
    return {
      kind: 'bigquery#getQueryResultsResponse',
      jobReference: job.resource.jobReference,
      jobComplete: true,
      ...(job.schema ? { schema: job.schema, rows: page, totalRows: String(job.rows.length) } : {}),
      ...(next < job.rows.length ? { pageToken: String(next) } : {}),
      ...(job.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(job.numDmlAffectedRows) } : {}),
    };
  }

  // A load job from an uploaded NEWLINE_DELIMITED_JSON file (removed afterwards).
  async function runLoadJob(job: JobRecord, load: Record<string, any>, file: string, fault?: BigqueryFault) {
    try {
      if (fault?.type === 'jobError') throw new BigqueryHttpError(403, fault.reason, fault.message ?? `injected ${fault.reason}`);
      const ref = load.destinationTable as { projectId: string; datasetId: string; tableId: string };
      requireProject(ref.projectId);
      requireDataset(ref.datasetId);
      const format = load.sourceFormat ?? 'CSV';
      if (format !== 'NEWLINE_DELIMITED_JSON') {
        throw new BigqueryHttpError(400, 'invalid', `this fake loads NEWLINE_DELIMITED_JSON only, not ${format}`);
      }
      let table = tables.get(tableKey(ref.datasetId, ref.tableId));
      if (!table) {
        if (load.createDisposition === 'CREATE_NEVER' || !load.schema) {
          throw new BigqueryHttpError(404, 'notFound', `Not found: Table ${projectId}:${ref.datasetId}.${ref.tableId}`);
        }
        table = await createTable(ref.datasetId, { tableReference: ref, schema: load.schema });
      }
      const disposition = load.writeDisposition ?? 'WRITE_APPEND';
      const { size } = await stat(file);
      const fields = table.resource.schema.fields;
      const columns = fields.map((f) => `${q(f.name)}: '${duckType(f)}'`).join(', ');
      const target = `${q(ref.datasetId)}.${q(ref.tableId)}`;
      const names = fields.map((f) => q(f.name)).join(', ');
      const loaded = await serial(async () => {
        await db.run('BEGIN TRANSACTION');
        try {
          const existing = await db.runAndReadAll(`SELECT count(*) AS n FROM ${target}`);
          if (disposition === 'WRITE_EMPTY' && Number(existing.getRows()[0]?.[0]) > 0) {
            throw new BigqueryHttpError(400, 'duplicate', `Already Exists: Table ${projectId}:${ref.datasetId}.${ref.tableId}`);
          }
          if (disposition === 'WRITE_TRUNCATE') await db.run(`DELETE FROM ${target}`);
          let inserted = 0;
          if (size > 0) {
            const result = await db.run(
              `INSERT INTO ${target} (${names}) SELECT ${names} FROM read_json('${file}', format = 'newline_delimited', columns = {${columns}})`,
            );
            inserted = result.rowsChanged;
          }
          await db.run('COMMIT');
          return inserted;
        } catch (err) {
          await db.run('ROLLBACK').catch(() => {});
          if (err instanceof BigqueryHttpError) throw err;
          throw new BigqueryHttpError(
            400,
            'invalid',
            `Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: 1; errors: 1. ${(err as Error).message}`,
          );
        }
      });
      (job.resource.statistics as Record<string, unknown>).load = {
        outputRows: String(loaded),
        inputFiles: '1',
        inputFileBytes: String(size),
      };
    } catch (err) {
      failJob(job, err);
    } finally {
      rmSync(file, { force: true });
    }
  }

  // ----- datasets and tables ------------------------------------------------------------------

  async function createTable(datasetId: string, body: Record<string, any>): Promise<TableRecord> {
    const tableId = body.tableReference?.tableId as string | undefined;
    if (!tableId) throw new BigqueryHttpError(400, 'invalid', 'tableReference.tableId is required');
    if (tables.has(tableKey(datasetId, tableId))) {
      throw new BigqueryHttpError(409, 'duplicate', `Already Exists: Table ${projectId}:${datasetId}.${tableId}`);
    }
    const fields = (body.schema?.fields ?? []) as FieldSchema[];
    if (fields.length === 0) throw new BigqueryHttpError(400, 'invalid', 'Schema has no fields');
    const partitionField = body.timePartitioning?.field as string | undefined;
    if (partitionField && !fields.some((f) => f.name === partitionField && /^(TIMESTAMP|DATE|DATETIME)$/i.test(f.type))) {
      throw new BigqueryHttpError(
        400,
        'invalid',
        `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME`,
      );
    }
    const columns = fields.map((f) => `${q(f.name)} ${duckType(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`).join(', ');
    await serial(() => db.run(`CREATE TABLE ${q(datasetId)}.${q(tableId)} (${columns})`));
    const record: TableRecord = {
      resource: {
        ...body,
        kind: 'bigquery#table',
        id: `${projectId}:${datasetId}.${tableId}`,
        tableReference: { projectId, datasetId, tableId },
        schema: { fields },
        type: 'TABLE',
        creationTime: String(Date.now()),
        etag: randomUUID(),
      },
      streamingBufferUntil: 0,
      streamedRows: 0,
    };
    tables.set(tableKey(datasetId, tableId), record);
    return record;
  }

  async function tableView(datasetId: string, record: TableRecord) {
    const tableId = record.resource.tableReference as { tableId: string };
    const count = await serial(() => db.runAndReadAll(`SELECT count(*) FROM ${q(datasetId)}.${q(tableId.tableId)}`));
    const view: Record<string, unknown> = { ...record.resource, numRows: String(count.getRows()[0]?.[0] ?? 0) };
    if (record.streamingBufferUntil > Date.now()) {
      view.streamingBuffer = { estimatedRows: String(record.streamedRows), oldestEntryTime: String(Date.now()) };
    }
    return view;
  }

  async function patchTable(datasetId: string, record: TableRecord, body: Record<string, any>) {
    const tableId = (record.resource.tableReference as { tableId: string }).tableId;
    const next = (body.schema?.fields ?? record.resource.schema.fields) as FieldSchema[];
    const current = new Map(record.resource.schema.fields.map((f) => [f.name, f]));
    for (const f of current.values()) {
      if (!next.some((n) => n.name === f.name)) throw new BigqueryHttpError(400, 'invalid', `Field ${f.name} is missing in new schema`);
    }
    for (const f of next) {
      if (current.has(f.name)) continue;
      if (f.mode === 'REQUIRED') throw new BigqueryHttpError(400, 'invalid', `Field ${f.name} has changed mode from NULLABLE to REQUIRED`);
      await serial(() => db.run(`ALTER TABLE ${q(datasetId)}.${q(tableId)} ADD COLUMN ${q(f.name)} ${duckType(f)}`));
    }
    record.resource = { ...record.resource, ...body, schema: { fields: next }, etag: randomUUID() };
  }

  async function insertAll(datasetId: string, record: TableRecord, body: Record<string, any>) {
    const tableId = (record.resource.tableReference as { tableId: string }).tableId;
    const fields = record.resource.schema.fields;
    const rows = (body.rows ?? []) as { json: Record<string, unknown>; insertId?: string }[];
    const insertErrors: { index: number; errors: ErrorItem[] }[] = [];
    await serial(async () => {
      for (const [index, row] of rows.entries()) {
        const values = fields.map((f) => {
          const value = row.json[f.name];
          return value === undefined || value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);
        });
        const placeholders = fields.map((f, i) => `CAST($${i + 1} AS ${duckType(f)})`).join(', ');
        try {
          await db.run(`INSERT INTO ${q(datasetId)}.${q(tableId)} VALUES (${placeholders})`, values);
        } catch (err) {
          insertErrors.push({ index, errors: [{ reason: 'invalid', message: (err as Error).message }] });
        }
      }
    });
    const inserted = rows.length - insertErrors.length;
    if (inserted > 0) {
      record.streamedRows += inserted;
      record.streamingBufferUntil = Date.now() + streamingBufferMs;
    }
    return insertErrors.length
      ? { kind: 'bigquery#tableDataInsertAllResponse', insertErrors }
      : { kind: 'bigquery#tableDataInsertAllResponse' };
  }

  // ----- HTTP ---------------------------------------------------------------------------------

  // Responses a `lostResponse` fault swallows: the work is done, the connection dropped.
  const losing = new WeakSet<ServerResponse>();

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (losing.has(res)) {
      res.socket?.destroy();
      return;
    }
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=UTF-8',
      'content-length': String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  function sendError(res: ServerResponse, err: BigqueryHttpError) {
    const statusText: Record<number, string> = {
      400: 'INVALID_ARGUMENT',
      401: 'UNAUTHENTICATED',
      403: 'PERMISSION_DENIED',
      404: 'NOT_FOUND',
      409: 'ALREADY_EXISTS',
      429: 'RESOURCE_EXHAUSTED',
      500: 'INTERNAL',
      503: 'UNAVAILABLE',
    };
    send(res, err.status, {
      error: {
        code: err.status,
        message: err.message,
        errors: [{ message: err.message, domain: 'global', reason: err.reason }],
        status: statusText[err.status] ?? 'UNKNOWN',
      },
    });
  }

  // The body as the pieces it arrived in (an upload chunk is written from them without a copy);
  // past `limit` the rest is read and dropped.
  function readBody(req: IncomingMessage, limit = Number.POSITIVE_INFINITY): Promise<ReadBody> {
    return new Promise((resolve, reject) => {
      const pieces: Buffer[] = [];
      let bytes = 0;
      req.on('data', (piece: Buffer) => {
        bytes += piece.length;
        if (bytes <= limit) pieces.push(piece);
      });
      req.on('end', () => {
        const tooLarge = bytes > limit;
        let joined: Buffer | undefined;
        resolve({
          pieces: tooLarge ? [] : pieces,
          bytes,
          tooLarge,
          body: () => (joined ??= tooLarge ? Buffer.alloc(0) : Buffer.concat(pieces)),
        });
      });
      req.on('error', reject);
    });
  }

  function parseMultipart(contentType: string, body: Buffer): { metadata: Record<string, any>; data: Buffer } {
    const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
    if (!boundary) throw new BigqueryHttpError(400, 'invalid', 'multipart upload without a boundary');
    const delimiter = Buffer.from(`--${boundary}`);
    const parts: Buffer[] = [];
    let index = body.indexOf(delimiter);
    while (index !== -1) {
      const start = index + delimiter.length;
      if (body.subarray(start, start + 2).toString() === '--') break;
      const next = body.indexOf(delimiter, start);
      if (next === -1) break;
      parts.push(body.subarray(start, next));
      index = next;
    }
    const content = (part: Buffer) => {
      const split = part.indexOf('\r\n\r\n');
      const payload = part.subarray(split + 4);
      return payload.subarray(0, payload.length - (payload.subarray(-2).toString() === '\r\n' ? 2 : 0));
    };
    if (parts.length !== 2) throw new BigqueryHttpError(400, 'invalid', `expected 2 multipart parts, got ${parts.length}`);
    return { metadata: JSON.parse(content(parts[0]!).toString('utf8')), data: content(parts[1]!) };
  }

  function apiName(method: string, segments: string[], upload: string | null, contentRange: string | undefined): string {
    if (upload === 'resumable') {
      if (method === 'POST') return 'upload.initiate';
      return /^bytes \*\//.test(contentRange ?? '') ? 'upload.status' : 'upload.chunk';
    }
    if (upload !== null) return 'upload';
    const [, , collection, id, sub, subId, action] = segments;
    if (collection === 'datasets') {
      if (id === undefined) return method === 'GET' ? 'datasets.list' : 'datasets.insert';
      if (sub === undefined) return `datasets.${method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'patch'}`;
      if (subId === undefined) return method === 'GET' ? 'tables.list' : 'tables.insert';
      if (action === 'insertAll') return 'tabledata.insertAll';
      if (action === 'data') return 'tabledata.list';
      return `tables.${method === 'GET' ? 'get' : method === 'DELETE' ? 'delete' : 'patch'}`;
    }
    if (collection === 'jobs')
      return id === undefined ? (method === 'GET' ? 'jobs.list' : 'jobs.insert') : sub === 'cancel' ? 'jobs.cancel' : 'jobs.get';
    if (collection === 'queries') return id === undefined ? 'jobs.query' : 'jobs.getQueryResults';
    return 'unknown';
  }

  function takeFault(api: string, method: string, sql: string | undefined): BigqueryFault | undefined {
    const rule = faults.find(
      ({ match }) =>
        (match.api === undefined || (typeof match.api === 'string' ? match.api === api : match.api.test(api))) &&
        (match.method === undefined || match.method === method) &&
        (match.sql === undefined || (sql !== undefined && match.sql.test(sql))),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining <= 0) faults = faults.filter((r) => r !== rule);
    return rule.fault;
  }

  /** Answers where a resumable session stands: 308 with the persisted range, or the finished job. */
  function sendSessionState(res: ServerResponse, session: UploadSession) {
    if (session.done) return send(res, 200, jobView(session.done));
    return send(res, 308, undefined, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});
  }

  // A PUT to a resumable session: a chunk or a status query, checked against Google's rules.
  async function uploadPut(res: ServerResponse, url: URL, api: string, contentRange: string, read: ReadBody, fault?: BigqueryFault) {
    const length = read.bytes;
    const session = sessions.get(url.searchParams.get('upload_id') ?? '');
    if (!session) throw new BigqueryHttpError(404, 'notFound', 'Not found: the upload session does not exist or expired');
    const invalid = (why: string) => new BigqueryHttpError(400, 'invalid', `Invalid Content-Range ${JSON.stringify(contentRange)}: ${why}`);
    const checkTotal = (total: number) => {
      const known = session.total ?? session.declaredTotal;
      if (known !== undefined && known !== total) throw invalid(`the total ${total} differs from the ${known} bytes declared before`);
    };
    if (api === 'upload.status') {
      const total = /^bytes \*\/(\d+|\*)$/.exec(contentRange)?.[1];
      if (total === undefined) throw invalid('a status query reads "bytes */TOTAL" or "bytes */*"');
      if (length > 0) throw invalid('a status query has no body');
      if (total !== '*') checkTotal(Number(total));
      return sendSessionState(res, session);
    }
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange);
    if (!range) throw invalid('expected "bytes FIRST-LAST/TOTAL" or "bytes FIRST-LAST/*"');
    if (session.done) return sendSessionState(res, session);
    const [start, end] = [Number(range[1]), Number(range[2])];
    const total = range[3] === '*' ? undefined : Number(range[3]);
    if (end < start) throw invalid('the last byte is before the first');
    if (end - start + 1 !== length) throw invalid(`it names ${end - start + 1} bytes but the body has ${length}`);
    if (start !== session.received) throw invalid(`it starts at byte ${start} but the session has persisted ${session.received} bytes`);
    if (total !== undefined) {
      checkTotal(total);
      if (end + 1 > total) throw invalid(`it ends past the total ${total}`);
    }
    const last = total !== undefined && end + 1 === total;
    if (!last && length % CHUNK_GRANULE !== 0) {
      throw invalid(`a chunk other than the last must be a multiple of 256 KiB (${CHUNK_GRANULE} bytes); this one has ${length}`);
    }
    if (fault?.type === 'persistOnly' && fault.bytes < length) {
      await session.handle.write(read.body().subarray(0, fault.bytes));
      session.received += fault.bytes;
      return sendSessionState(res, session);
    }
    await session.handle.writev(read.pieces);
    session.received += length;
    if (total !== undefined) session.total = total;
    if (!last) return sendSessionState(res, session);
    await session.handle.close();
    const job = newJob(session.job.jobReference, session.job.configuration);
    session.done = job;
    await runLoadJob(job, session.job.configuration.load, session.file, fault);
    return sendSessionState(res, session);
  }

  /** The upload type of a request (`multipart`, `resumable`, …), or null when it is not an upload. */
  function uploadTypeOf(url: URL): string | null {
    return url.pathname.startsWith('/upload/bigquery/v2/') ? (url.searchParams.get('uploadType') ?? 'media') : null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, entry: FakeRequest, read: ReadBody) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const upload = uploadTypeOf(url);
    const path = url.pathname.replace(/^\/upload\/bigquery\/v2/, '').replace(/^\/bigquery\/v2/, '');
    entry.path = path;
    entry.query = url.search;
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const contentRange = req.headers['content-range'];
    entry.contentRange = contentRange;
    entry.api = apiName(method, segments, upload, contentRange);

    let json: Record<string, any> = {};
    let upload_: { metadata: Record<string, any>; data: Buffer } | undefined;
    if (upload === 'multipart') {
      if (read.tooLarge) {
        throw new BigqueryHttpError(
          413,
          'uploadTooLarge',
          `Multipart uploads are limited to ${multipartLimitBytes} bytes; upload large files with uploadType=resumable`,
        );
      }
      upload_ = parseMultipart(req.headers['content-type'] ?? '', read.body());
    } else if (upload !== null && upload !== 'resumable') {
      throw new BigqueryHttpError(400, 'invalid', `uploadType must be multipart or resumable, not ${upload}`);
    } else if (read.bytes > 0 && entry.api !== 'upload.chunk') {
      json = JSON.parse(read.body().toString('utf8'));
    }
    const sql: string | undefined = json.configuration?.query?.query ?? (entry.api === 'jobs.query' ? json.query : undefined);
    entry.sql = sql;

    const fault = takeFault(entry.api, method, sql);
    if (fault?.type === 'hang') {
      hanging.add(res);
      return;
    }
    if (fault?.type === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'expiredToken') {
      throw new BigqueryHttpError(401, 'authError', 'Request had invalid authentication credentials. The access token expired.');
    }
    if (fault?.type === 'http') throw new BigqueryHttpError(fault.status, fault.reason, fault.message ?? `injected ${fault.reason}`);
    if (fault?.type === 'lostResponse') losing.add(res);

    entry.principal = authenticate(req);
    if (segments[0] !== 'projects' || !segments[1]) throw new BigqueryHttpError(404, 'notFound', `Not found: URL ${url.pathname}`);
    requireProject(segments[1]);
    const [, , collection, id, , subId, action] = segments;

    switch (entry.api) {
      case 'datasets.list':
        return send(res, 200, {
          kind: 'bigquery#datasetList',
          datasets: [...datasets.values()].slice(0, Number(url.searchParams.get('maxResults') ?? 1000)),
        });
      case 'datasets.insert': {
        const datasetId = json.datasetReference?.datasetId as string;
        if (datasets.has(datasetId)) throw new BigqueryHttpError(409, 'duplicate', `Already Exists: Dataset ${projectId}:${datasetId}`);
        const resource = {
          ...json,
          kind: 'bigquery#dataset',
          id: `${projectId}:${datasetId}`,
          datasetReference: { projectId, datasetId },
          location: json.location ?? 'US',
        };
        await serial(() => db.run(`CREATE SCHEMA ${q(datasetId)}`));
        datasets.set(datasetId, resource);
        return send(res, 200, resource);
      }
      case 'datasets.get':
        requireDataset(id!);
        return send(res, 200, datasets.get(id!));
      case 'datasets.delete':
        requireDataset(id!);
        await serial(() => db.run(`DROP SCHEMA ${q(id!)} CASCADE`));
        datasets.delete(id!);
        for (const key of [...tables.keys()]) if (key.startsWith(`${id}.`)) tables.delete(key);
        res.writeHead(204).end();
        return;
      case 'tables.list':
        requireDataset(id!);
        return send(res, 200, {
          kind: 'bigquery#tableList',
          tables: [...tables.entries()].filter(([key]) => key.startsWith(`${id}.`)).map(([, t]) => t.resource),
        });
      case 'tables.insert':
        requireDataset(id!);
        return send(res, 200, (await createTable(id!, json)).resource);
      case 'tables.get':
        return send(res, 200, await tableView(id!, requireTable(id!, subId!)));
      case 'tables.patch': {
        const record = requireTable(id!, subId!);
        await patchTable(id!, record, json);
        return send(res, 200, await tableView(id!, record));
      }
      case 'tables.delete':
        requireTable(id!, subId!);
        await serial(() => db.run(`DROP TABLE ${q(id!)}.${q(subId!)}`));
        tables.delete(tableKey(id!, subId!));
        res.writeHead(204).end();
        return;
      case 'tabledata.insertAll':
        return send(res, 200, await insertAll(id!, requireTable(id!, subId!), json));
      case 'jobs.insert': {
        if (!json.configuration?.query) {
          throw new BigqueryHttpError(400, 'invalid', 'this fake runs query jobs through jobs.insert; load jobs need an upload');
        }
        const job = newJob(json.jobReference, json.configuration);
        await runQueryJob(job, sql ?? '', json.configuration.query.queryParameters, fault);
        return send(res, 200, jobView(job));
      }
      case 'upload': {
        const metadata = upload_!.metadata;
        if (!metadata.configuration?.load) throw new BigqueryHttpError(400, 'invalid', 'upload without configuration.load');
        const job = newJob(metadata.jobReference, metadata.configuration);
        const file = join(scratch, `${randomUUID()}.ndjson`);
        await writeFile(file, upload_!.data);
        await runLoadJob(job, metadata.configuration.load, file, fault);
        return send(res, 200, jobView(job));
      }
      case 'upload.initiate': {
        if (!json.configuration?.load) throw new BigqueryHttpError(400, 'invalid', 'a load job upload needs configuration.load');
        const jobId = (json.jobReference?.jobId as string | undefined) ?? `job_${randomUUID()}`;
        if (jobs.has(jobId)) throw new BigqueryHttpError(409, 'duplicate', `Already Exists: Job ${projectId}:${jobId}`);
        const declared = req.headers['x-upload-content-length'];
        const id = randomUUID().replaceAll('-', '');
        const file = join(scratch, `${id}.ndjson`);
        sessions.set(id, {
          id,
          job: { ...json, jobReference: { ...json.jobReference, jobId } },
          file,
          handle: await open(file, 'w'),
          received: 0,
          declaredTotal: declared === undefined ? undefined : Number(declared),
        });
        const location = `http://127.0.0.1:${(server.address() as { port: number }).port}/upload/bigquery/v2/projects/${projectId}/jobs?uploadType=resumable&upload_id=${id}`;
        return send(res, 200, undefined, { location });
      }
      case 'upload.status':
      case 'upload.chunk':
        return uploadPut(res, url, entry.api, contentRange ?? '', read, fault);
      case 'jobs.get': {
        const job = jobs.get(id!);
        if (!job) throw new BigqueryHttpError(404, 'notFound', `Not found: Job ${projectId}:${id}`);
        const view = jobView(job);
        if (job.pollsLeft > 0) job.pollsLeft -= 1;
        return send(res, 200, view);
      }
      case 'jobs.query': {
        const job = newJob({ jobId: `job_${randomUUID()}`, location: json.location }, { query: json });
        await runQueryJob(job, sql ?? '', json.queryParameters, fault);
        return send(res, 200, queryResults(job, url));
      }
      case 'jobs.getQueryResults': {
        const job = jobs.get(id!);
        if (!job) throw new BigqueryHttpError(404, 'notFound', `Not found: Job ${projectId}:${id}`);
        return send(res, 200, queryResults(job, url));
      }
      default:
        void collection;
        void action;
        throw new BigqueryHttpError(404, 'notFound', `this fake does not implement ${method} ${path}`);
    }
  }

  const server: Server = createServer((req, res) => {
    // Unauthenticated, unlogged counters for a fake running in another process (the benchmark).
    if (req.url === '/_fake/stats') {
      const byApi: Record<string, number> = {};
      for (const r of requests) byApi[r.api] = (byApi[r.api] ?? 0) + 1;
      send(res, 200, {
        requests: requests.length,
        statements: statements.length,
        byApi,
        lastMergeScan: mergeScans.at(-1) ?? null,
        rssMb: Math.round(process.memoryUsage().rss / 1_048_576),
      });
      return;
    }
    if (req.url === '/_fake/reset' && req.method === 'POST') {
      requests.length = 0;
      statements.length = 0;
      mergeScans.length = 0;
      send(res, 200, {});
      return;
    }
    const entry: FakeRequest = { method: req.method ?? 'GET', path: req.url ?? '', query: '', api: 'unknown', status: 0, bytes: 0 };
    requests.push(entry);
    const uploadType = uploadTypeOf(new URL(req.url ?? '/', 'http://127.0.0.1'));
    // A multipart upload's metadata part is small: the limit is the data's.
    readBody(req, uploadType === 'multipart' ? multipartLimitBytes + 64 * 1024 : undefined)
      .then(async (read) => {
        entry.bytes = read.bytes;
        await handle(req, res, entry, read);
        if (res.headersSent) entry.status = res.statusCode;
      })
      .catch((err: unknown) => {
        const error =
          err instanceof BigqueryHttpError ? err : new BigqueryHttpError(500, 'internalError', `fake failure: ${(err as Error).message}`);
        entry.status = error.status;
        if (!res.headersSent && !res.destroyed) sendError(res, error);
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the fake did not get a port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    projectId,
    requests,
    statements,
    mergeScans,
    tokens,
    injectFault(match, fault, times = 1) {
      faults.push({ match, fault, remaining: times });
    },
    clearFaults() {
      faults = [];
    },
    resetLog() {
      requests.length = 0;
      statements.length = 0;
      mergeScans.length = 0;
    },
    flushStreamingBuffer() {
      for (const table of tables.values()) table.streamingBufferUntil = 0;
    },
    async query(sql) {
      const reader = await serial(() => db.runAndReadAll(sql));
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    },
    async close() {
      for (const session of sessions.values()) if (!session.done) await session.handle.close().catch(() => {});
      for (const res of hanging) res.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      db.closeSync();
      instance.closeSync();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

function bigqueryType(type: { typeId: number; alias?: string }): string {
  if (type.alias === 'JSON') return 'JSON';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'FLOAT';
    case DuckDBTypeId.TIMESTAMP_TZ:
    case DuckDBTypeId.TIMESTAMP:
      return 'TIMESTAMP';
    case DuckDBTypeId.DATE:
      return 'DATE';
    default:
      return 'STRING';
  }
}

// A result cell in BigQuery's wire form: everything is a string; TIMESTAMP is int64 micros.
function cell(value: DuckDBValue): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object' && 'micros' in value) return String((value as { micros: bigint }).micros);
  if (typeof value === 'object' && 'days' in value) return String(value);
  return String(value);
}
