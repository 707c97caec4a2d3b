import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../../server/db/client.ts';
import { changeSnapshot, readChangedRows } from '../../server/db/queries/changes.ts';
import { createTestOrg } from '../support/app.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

const url = testPostgresUrl();
const hasPostgres = requirement(
  'A real Postgres (DATABASE_URL)',
  Boolean(url),
  'concurrent transactions need a server; PGlite has one connection',
);

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
    insert into events (event_id, org_id, dedup_key, device_id, event_time, processed_time, captured_time, event_type, event_properties, source_type, source_properties)
    values (${id}, ${orgId}, ${id}, 1, now(), now(), now(), 'custom', '{}', 'server', '{}')`);
  return id;
}

/** Reads the whole window from `cursor` to a new snapshot in small pages, as the sync does; returns the ids and the new cursor. */
async function readWindow(cursor: string) {
  const to = await changeSnapshot(db);
  const ids: string[] = [];
  let after: { xid: string; eventId: string } | undefined;
  for (;;) {
    const page = await readChangedRows(db, { orgId, from: cursor, to, ranges: { custom: '{(,)}' }, after, limit: 7 });
    ids.push(...page.map((r) => r.event_id));
    if (page.length < 7) break;
    const last = page[page.length - 1]!;
    after = { xid: last.change_xid, eventId: last.event_id };
  }
  return { ids, cursor: to };
}

/** A transaction holding an xid open (as a long sync or a slow writer elsewhere would); resolves once it holds it. */
async function openTransaction(): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  const done = db.transaction(async (tx) => {
    await tx.rows(sql`select pg_current_xact_id()`);
    started();
    await held;
  });
  await ready;
  return { release: async () => (release(), await done) };
}

describe.runIf(hasPostgres)('change cursor against concurrent transactions', () => {
  it('does not skip a row whose transaction commits after the sync read past it', async () => {
    let cursor = await changeSnapshot(db);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inserted!: () => void;
    const slowInserted = new Promise<void>((resolve) => (inserted = resolve));
    let slowId = '';
    const slow = db.transaction(async (tx) => {
      slowId = await insertEvent(tx);
      inserted();
      await held;
    });
    await slowInserted;
    const late = await insertEvent(db); // commits while the slow transaction is still open
    const first = await readWindow(cursor);
    // the committed row is in the very next window; the open one is not, and the cursor moves on
    expect(first.ids).toEqual([late]);
    cursor = first.cursor;
    release();
    await slow;
    const second = await readWindow(cursor);
    expect(second.ids).toEqual([slowId]);
    expect((await readWindow(second.cursor)).ids).toEqual([]);
  });

  it('never reads a row committed before the window started, even while another transaction holds the xmin back', async () => {
    const open = await openTransaction();
    try {
      const before = await insertEvent(db);
      const activation = await changeSnapshot(db); // e.g. a destination activated now
      const after = await insertEvent(db);
      expect((await readWindow(activation)).ids).toEqual([after]);
      expect(before).not.toBe(after);
    } finally {
      await open.release();
    }
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
    let cursor = await changeSnapshot(db);
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
    seen.push(...(await readWindow(cursor)).ids);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(committed));
  });
});
