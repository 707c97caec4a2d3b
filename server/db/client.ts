import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { sql, type SQL } from 'drizzle-orm';
import type postgres from 'postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** drizzle's query builder over one connection (the tables are in ./schema/; no relational queries). */
export type Orm = PgDatabase<PgQueryResultHKT>;

/**
 * The metadata and event store. The same code runs on an external Postgres (postgres-js driver)
 * and on embedded PGlite; `rows` hides the one difference in their raw result shapes.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly orm: Orm;
  /** Runs a parameterised statement (drizzle `sql` template) and returns its rows. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /**
   * Streams COPY text into a fixed `COPY … FROM STDIN` statement (external Postgres only; absent
   * on PGlite). Used where a plain INSERT would be the bottleneck.
   */
  copyIn?(statement: string, data: Buffer): Promise<void>;
  /**
   * Streams the output of a fixed `COPY (…) TO STDOUT` statement, run in a transaction of its
   * own after setting the given transaction-local settings (COPY takes no bind parameters: the
   * statement reads its inputs with `current_setting`). Each buffer holds whole rows, about
   * 1 MB of them (the server sends one message per row). External Postgres only. Stopping early
   * cancels the statement.
   */
  copyOut?(statement: string, settings: Record<string, string>): AsyncIterable<Buffer>;
  /** Runs `fn` in one transaction; `fn` gets a Database bound to it. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * The SQLSTATE of a failed statement (`23505`, `40P01`, …), whether the driver's error comes
 * bare (postgres-js COPY) or wrapped by drizzle (`DrizzleQueryError` with the driver's as `cause`).
 */
export function pgErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

// What copyOut hands on at a time: the server sends one message per row.
const COPY_OUT_CHUNK_BYTES = 1024 * 1024;
// Gathered chunks held ahead of the consumer before the stream is paused.
const COPY_OUT_CHUNKS_AHEAD = 4;

/**
 * The data of `stream` gathered into buffers of at least `size` bytes (the last one smaller).
 * The driver pushes one small buffer per row; reading them in flowing mode keeps its socket
 * running (pulling them one by one paused and resumed it every few rows, and cost a promise per
 * row). Backpressure pauses the stream once a few gathered buffers wait. The stream is left
 * paused and not destroyed: the caller still owns the COPY.
 */
async function* gathered(stream: Readable, size: number): AsyncGenerator<Buffer> {
  const ready: Buffer[] = [];
  let parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const flush = () => {
    if (length === 0) return;
    ready.push(parts.length === 1 ? parts[0]! : Buffer.concat(parts, length));
    parts = [];
    length = 0;
  };
  const onData = (chunk: Buffer) => {
    parts.push(chunk);
    length += chunk.length;
    if (length < size) return;
    flush();
    if (ready.length >= COPY_OUT_CHUNKS_AHEAD) stream.pause();
    notify();
  };
  const onEnd = () => {
    flush();
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure = { error };
    notify();
  };
  stream.on('data', onData).once('end', onEnd).once('error', onError);
  try {
    for (;;) {
      const next = ready.shift();
      if (next !== undefined) {
        if (!ended && !failure && ready.length < COPY_OUT_CHUNKS_AHEAD && stream.isPaused()) stream.resume();
        yield next;
      } else if (failure) {
        throw failure.error;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    stream.off('data', onData).off('end', onEnd).off('error', onError);
    stream.pause();
  }
}

/** Runs `statement` as COPY TO STDOUT on a reserved connection, in its own transaction. */
async function* copyOutOf(client: postgres.Sql, statement: string, settings: Record<string, string>): AsyncGenerator<Buffer> {
  const connection = await client.reserve();
  let complete = false;
  try {
    await connection.unsafe('begin');
    for (const [name, value] of Object.entries(settings)) await connection`select set_config(${name}, ${value}, true)`;
    const query = connection.unsafe(statement);
    const stream = (await query.readable()) as unknown as Readable;
    try {
      yield* gathered(stream, COPY_OUT_CHUNK_BYTES);
      complete = true;
    } finally {
      if (!complete) {
        // The consumer stopped: make the server stop sending, and read what is in flight until
        // the COPY ends, so the connection is clean before it returns to the pool.
        query.cancel();
        try {
          for await (const _ of stream);
        } catch {
          // the cancellation itself
        }
      }
    }
    await connection.unsafe('commit');
  } finally {
    if (!complete) await connection.unsafe('rollback').catch(() => {});
    connection.release();
  }
}

async function rowsOf<T>(orm: Orm, query: SQL): Promise<T[]> {
  const result = (await orm.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** drizzle over one postgres-js connection, through drizzle's public driver for a query callback. */
type OrmOver = (connection: postgres.TransactionSql) => Orm;

/**
 * A Database on an external Postgres. `connection` is the pool (with drizzle's own postgres-js
 * driver as `orm`), or the connection a transaction reserved (postgres-js hands it to `begin` and
 * `savepoint`; `ormOver` puts drizzle on it): queries, drizzle's included, and COPY FROM run on
 * it, so a COPY inside a transaction is part of it.
 */
function postgresDatabase(
  pool: postgres.Sql,
  connection: postgres.Sql | postgres.TransactionSql,
  orm: Orm,
  ormOver: OrmOver,
  close: () => Promise<void>,
): Database {
  const inTransaction = connection !== pool;
  return {
    kind: 'postgres',
    orm,
    async copyIn(statement, data) {
      const stream = await connection.unsafe(statement).writable();
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        stream.on('finish', resolve);
        stream.end(data);
      });
    },
    // a COPY TO runs in a transaction of its own, on a connection of its own
    copyOut: inTransaction ? undefined : (statement, settings) => copyOutOf(pool, statement, settings),
    rows: (query) => rowsOf(orm, query),
    transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
      const within = (tx: postgres.TransactionSql) => fn(postgresDatabase(pool, tx, ormOver(tx), ormOver, close));
      // nested: a savepoint of the transaction, as drizzle's nested transactions are
      return (inTransaction ? (connection as postgres.TransactionSql).savepoint(within) : pool.begin(within)) as Promise<T>;
    },
    close,
  };
}

/** A Database on embedded PGlite (no COPY streams). */
function pgliteDatabase(orm: Orm, close: () => Promise<void>): Database {
  return {
    kind: 'pglite',
    orm,
    rows: (query) => rowsOf(orm, query),
    transaction: (fn) => orm.transaction((tx) => fn(pgliteDatabase(tx as unknown as Orm, close))),
    close,
  };
}

let journal: { when: number; tag: string }[] | undefined;

/**
 * The migrations of this build the database has not applied (by their generation time, which
 * drizzle records as `created_at`): a server is ready only when there are none. Throws when the
 * database does not answer.
 */
export async function pendingMigrations(db: Database): Promise<string[]> {
  journal ??= (
    JSON.parse(fs.readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: { when: number; tag: string }[] }
  ).entries;
  const applied = await db.rows<{ created_at: string }>(sql`select created_at::text as created_at from drizzle.__drizzle_migrations`);
  const done = new Set(applied.map((r) => Number(r.created_at)));
  return journal.filter((m) => !done.has(m.when)).map((m) => m.tag);
}

/** The advisory lock key of migrations (any constant no other code of the database uses). */
const MIGRATIONS_LOCK = 7_413_529_001;

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { drizzle: drizzleOver } = await import('drizzle-orm/pg-proxy');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  // (TCP_NODELAY, without which each COPY's end waited ~40 ms for a delayed ACK, comes from
  // patches/postgres+3.4.9.patch, for every connection the driver makes)
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {} });
  // drizzle's postgres-js driver also makes the pool hand back times and JSON as text, on every
  // connection (those of transactions too, where `ormOver` sends drizzle's queries as they are)
  const orm: Orm = drizzle(client);
  const ormOver: OrmOver = (connection) =>
    drizzleOver(async (query, params, method) => {
      const result = connection.unsafe(query, params as never[]);
      return { rows: method === 'all' ? await result.values() : await result };
    });
  // Instances starting together on one database migrate one at a time: the others wait on a
  // session advisory lock, held by a connection of its own (closing it releases the lock).
  const lock = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(${MIGRATIONS_LOCK})`;
    await migrate(orm as never, { migrationsFolder });
  } catch (error) {
    await client.end({ timeout: 5 });
    throw error;
  } finally {
    await lock.end({ timeout: 5 });
  }
  return postgresDatabase(client, client, orm, ormOver, () => client.end({ timeout: 5 }));
}

const PGLITE_SHARED_BUFFERS = '16MB';

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const creating = dataDir !== undefined && !fs.existsSync(path.join(dataDir, 'PG_VERSION'));
  // The embedded mode is for one person trying it: Postgres' default 128 MB of shared buffers
  // would be WASM memory held for the life of the process (docs/operations.md, memory).
  const options = { postgresqlconf: [`shared_buffers = ${PGLITE_SHARED_BUFFERS}`] };
  const open = async () => {
    const client = dataDir ? new PGlite(dataDir, options) : new PGlite(options);
    const orm: Orm = drizzle(client);
    await migrate(orm as never, { migrationsFolder });
    return { client, orm };
  };
  let opened = await open();
  // Creating a database (initdb, then every migration) grows the WASM memory to ~0.8 GB, which
  // WebAssembly never gives back: a data folder just created is opened again, in fresh memory.
  if (creating) {
    await opened.client.close();
    opened = await open();
  }
  const { client, orm } = opened;
  return pgliteDatabase(orm, () => client.close());
}
