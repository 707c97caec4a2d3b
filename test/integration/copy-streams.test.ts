import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../server/db/client.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

/** COPY streams on a real Postgres: what postgres-js (patched) and Database.copyOut must guarantee. */
const url = testPostgresUrl();
const hasPostgres = requirement('A real Postgres (DATABASE_URL)', Boolean(url), 'COPY streams need a server; PGlite has none');

let db: Database;
beforeAll(async () => {
  // a name of its own: other test files (change-cursor) hold transactions open in the same database
  if (hasPostgres)
    db = await openPostgres(`${url!}${url!.includes('?') ? '&' : '?'}application_name=copy_streams_${process.pid}`, { max: 2 });
});
afterAll(() => db?.close());

const ROWS = `copy (select g, repeat('x', 800) from generate_series(1, 20000) g) to stdout`;

async function openTransactionsOfThisPool(): Promise<number> {
  const [row] = await db.rows<{ n: number }>(sql`
    select count(*)::int as n from pg_stat_activity
    where datname = current_database() and state like 'idle in transaction%' and application_name = current_setting('application_name')`);
  return row!.n;
}

describe.runIf(hasPostgres)('COPY streams', () => {
  it('reads a whole COPY and leaves the connection usable (postgres-js#1016: the socket stayed paused)', async () => {
    for (let round = 0; round < 3; round++) {
      let rows = 0;
      for await (const chunk of db.copyOut!(ROWS, { TimeZone: 'UTC' })) for (const byte of chunk) if (byte === 10) rows++;
      expect(rows).toBe(20_000);
      // the pool has two connections: both must still answer
      expect(await Promise.all([db.rows(sql`select 1 as one`), db.rows(sql`select 2 as two`)])).toEqual([[{ one: 1 }], [{ two: 2 }]]);
    }
  });

  it('hands a slow reader every row once, in whole-row chunks of about 1 MB (the stream pauses meanwhile)', async () => {
    const sizes: number[] = [];
    let expected = 1;
    for await (const chunk of db.copyOut!(ROWS, {})) {
      sizes.push(chunk.length);
      expect(chunk[chunk.length - 1], 'a chunk ends at the end of a row').toBe(10);
      for (const line of chunk.toString('latin1').split('\n').slice(0, -1)) {
        expect(line).toBe(`${expected++}\t${'x'.repeat(800)}`);
      }
      // slower than the server: the reader falls behind and the stream has to wait for it
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(expected - 1).toBe(20_000);
    expect(sizes.slice(0, -1).every((size) => size >= 1024 * 1024)).toBe(true);
    expect(await db.rows(sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });

  it('applies the settings to the COPY only, as transaction-local settings', async () => {
    let text = '';
    for await (const chunk of db.copyOut!(`copy (select current_setting('tributary.test_value')) to stdout`, {
      'tributary.test_value': "it's\tdata",
    })) {
      text += chunk.toString('utf8');
    }
    expect(text).toBe("it's\\tdata\n");
    const [after] = await db.rows<{ v: string | null }>(sql`select current_setting('tributary.test_value', true) as v`);
    expect(after!.v ?? '').toBe('');
  });

  it('cancels a COPY its reader abandons, and returns a clean connection to the pool', async () => {
    let chunks = 0;
    for await (const _ of db.copyOut!(ROWS, {})) if (++chunks === 1) break;
    expect(chunks).toBe(1);
    expect(await openTransactionsOfThisPool()).toBe(0);
    for (let i = 0; i < 4; i++) expect(await db.rows(sql`select ${i}::int as i`)).toEqual([{ i }]);
  });

  it('fails a COPY FROM that the server rejects after the data was sent, instead of hanging (postgres-js#1173)', async () => {
    await db.rows(sql`create temporary table if not exists copy_reject (n int primary key)`).catch(() => {});
    await expect(
      db.transaction(async (tx) => {
        await tx.rows(sql`create temporary table copy_reject_tx (n int primary key) on commit drop`);
        await tx.copyIn!('copy copy_reject_tx from stdin', Buffer.from('1\n1\n'));
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await db.rows(sql`select 1 as one`)).toEqual([{ one: 1 }]);
  });
});
