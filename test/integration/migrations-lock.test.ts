import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { openPostgres, pendingMigrations } from '../../server/db/client.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

// Issue #16 (running several instances): instances started together on an empty database apply
// the migrations once, one at a time, and all come up.

const base = testPostgresUrl();
const hasPostgres = requirement('a real Postgres', base !== undefined, 'set DATABASE_URL to a test database');

describe.runIf(hasPostgres)('migrations at start-up', () => {
  it('are applied once when three instances open an empty database at the same time', async () => {
    const name = `${new URL(base!).pathname.slice(1)}_mig_${process.pid}`;
    const admin = postgres(base!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.unsafe(`create database ${name}`);
    const url = Object.assign(new URL(base!), { pathname: `/${name}` }).toString();
    try {
      const dbs = await Promise.all([openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 })]);
      for (const db of dbs) expect(await pendingMigrations(db)).toEqual([]);
      const [row] = await dbs[0]!.rows<{ n: number; distinct_n: number }>(
        sql`select count(*)::int as n, count(distinct hash)::int as distinct_n from drizzle.__drizzle_migrations`,
      );
      expect(row!.n).toBe(row!.distinct_n);
      await Promise.all(dbs.map((db) => db.close()));
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
  });
});
