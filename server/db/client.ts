import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import * as schema from './schema/index.ts';

export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/**
 * The metadata and event store. The same code runs on an external Postgres (postgres-js driver)
 * and on embedded PGlite; `rows` hides the one difference in their raw result shapes.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly orm: Orm;
  /** Runs a parameterised statement (drizzle `sql` template) and returns its rows. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** Runs `fn` in one transaction; `fn` gets a Database bound to it. */
  transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

function wrap(kind: Database['kind'], orm: Orm, close: () => Promise<void>): Database {
  return {
    kind,
    orm,
    async rows<T>(query: SQL) {
      const result = (await orm.execute(query)) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
    },
    transaction(fn) {
      return orm.transaction((tx) => fn(wrap(kind, tx as unknown as Orm, close)));
    },
    close,
  };
}

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const client = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
  });
  const orm = drizzle(client, { schema }) as unknown as Orm;
  await migrate(orm as never, { migrationsFolder });
  return wrap('postgres', orm, () => client.end({ timeout: 5 }));
}

export async function openPglite(dataDir: string | undefined): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  const orm = drizzle(client, { schema }) as unknown as Orm;
  await migrate(orm as never, { migrationsFolder });
  return wrap('pglite', orm, () => client.close());
}
