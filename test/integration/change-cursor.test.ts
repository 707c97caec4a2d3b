import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../server/db/client.ts';
import { changeHorizon, readChangedRows } from '../../server/db/queries/changes.ts';
import { createTestOrg } from '../support/app.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

const url = testPostgresUrl();
const hasPostgres = requirement('A real Postgres (DATABASE_URL)', Boolean(url), 'concurrent transactions need a server; PGlite has one connection');

let db: Database;
let orgId: string;
beforeAll(async () => {
  if (!hasPostgres) return;
  db = await openPostgres(url!, { max: 12 });
  orgId = (await createTestOrg(db)).orgId;
});
afterAll(() => db?.close());

let n = 0;
async function insertEvent(tx: Database, id = `cursor-${process.pid}-${++n}`) {
  await tx.rows(sql`
    insert into events (event_id, org_id, dedup_key, device_id, event_time, processed_time, captured_time, event_type, captured_type, event_properties, source_type, source_properties)
    values (${id}, ${orgId}, ${id}, 1, now(), now(), now(), 'custom', 'custom', '{}', 'server', '{}')`);
  return id;
}

/** Reads the whole window [cursor, horizon) in small pages, as the sync does; returns the ids and the new cursor. */
async function readWindow(cursor: string) {
  const horizon = await changeHorizon(db);
  const ids: string[] = [];
  let after: { xid: string; eventId: string } | undefined;
  for (;;) {
    const page = await readChangedRows(db, { orgId, fromXid: cursor, toXid: horizon, after, limit: 7 });
    ids.push(...page.map((r) => r.event_id));
    if (page.length < 7) break;
    const last = page[page.length - 1]!;
    after = { xid: last.change_xid, eventId: last.event_id };
  }
  return { ids, cursor: horizon };
}

describe.runIf(hasPostgres)('change cursor against concurrent transactions', () => {
  // The horizon is cluster-wide: a transaction open anywhere holds it back, so these tests wait
  // for rows to appear rather than expecting them in the very next window.
  async function readUntil(cursor: string, ids: string[], wanted: (seen: string[]) => boolean, waitMs = 20_000) {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const w = await readWindow(cursor);
      ids.push(...w.ids);
      cursor = w.cursor;
      if (wanted(ids) || Date.now() > deadline) return cursor;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('does not skip a row whose transaction commits after the sync read past it', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let slowId = '';
    const slow = db.transaction(async (tx) => {
      slowId = await insertEvent(tx);
      await held;
    });
    await new Promise((r) => setTimeout(r, 50));
    const late = await insertEvent(db); // commits while the slow transaction is still open
    const seen: string[] = [];
    const cursor = await readUntil('0', seen, () => false, 300);
    // a "max(change) so far" cursor would already have passed the slow row's position; ours holds back
    expect(seen).not.toContain(slowId);
    expect(seen).not.toContain(late);
    release();
    await slow;
    await readUntil(cursor, seen, (ids) => ids.includes(slowId) && ids.includes(late));
    expect(seen).toEqual(expect.arrayContaining([slowId, late]));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('reads every committed row exactly once while many writers commit at random moments', async () => {
    const committed: string[] = [];
    let writing = true;
    const writer = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        const ids = await db.transaction(async (tx) => {
          const mine = [await insertEvent(tx, `w${w}-${i}-a-${process.pid}`), await insertEvent(tx, `w${w}-${i}-b-${process.pid}`)];
          await new Promise((r) => setTimeout(r, Math.random() * 15));
          return mine;
        });
        committed.push(...ids);
      }
    };
    const seen: string[] = [];
    let cursor = (await readWindow('0')).cursor;
    const before = new Set((await readChangedRows(db, { orgId, fromXid: '0', toXid: cursor, limit: 100_000 })).map((r) => r.event_id));
    const reader = (async () => {
      while (writing) {
        const w = await readWindow(cursor);
        seen.push(...w.ids);
        cursor = w.cursor;
        await new Promise((r) => setTimeout(r, Math.random() * 5));
      }
    })();
    await Promise.all([0, 1, 2, 3, 4, 5].map(writer));
    writing = false;
    await reader;
    await readUntil(cursor, seen, (ids) => ids.length >= committed.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen.filter((id) => !before.has(id)))).toEqual(new Set(committed));
  });
});
