import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { destinationMisses } from '../schema/index.ts';

/**
 * What retention reads and writes besides the partitions themselves (server/lifecycle/).
 */

/** A destination as retention sees it: whose events, where its cursor is, when it is active. */
export interface RetentionDestination {
  id: string;
  orgId: string;
  enabled: boolean;
  cursorSnapshot: string | null;
}

export async function listRetentionDestinations(db: Database): Promise<RetentionDestination[]> {
  return db.rows<RetentionDestination>(sql`
    select id::text as "id", org_id::text as "orgId", enabled, cursor_snapshot::text as "cursorSnapshot" from destinations`);
}

/**
 * Rows captured in [from, to) of a destination's organization, inside `captured` (a
 * `tstzmultirange` literal of the capture times it gets), that it has not synced yet: written by a
 * transaction its cursor does not see. `limit` 1 answers "any?"; the store's change index finds
 * them, so a destination that is up to date costs one index probe.
 */
export async function countUnsyncedRows(
  db: Database,
  dest: RetentionDestination,
  range: { from: Date | null; to: Date },
  captured: string,
  limit: number,
): Promise<number> {
  const cursor = dest.cursorSnapshot ?? '1:1:';
  const [row] = await db.rows<{ n: number }>(sql`
    select count(*)::int as n from (
      select 1 from events
      where org_id = ${dest.orgId}::uuid
        and captured_time < ${range.to.toISOString()}::timestamptz
        ${range.from ? sql`and captured_time >= ${range.from.toISOString()}::timestamptz` : sql``}
        and change_xid >= pg_snapshot_xmin(${cursor}::pg_snapshot)
        and not pg_visible_in_snapshot(change_xid, ${cursor}::pg_snapshot)
        and captured_time <@ ${captured}::tstzmultirange
      limit ${limit}) unsynced`);
  return row?.n ?? 0;
}

export async function recordMiss(
  db: Database,
  miss: { destinationId: string; orgId: string; capturedFrom: Date | null; capturedTo: Date; rows: number; wasEnabled: boolean },
): Promise<void> {
  await db.orm.insert(destinationMisses).values(miss).onConflictDoNothing();
}

export async function listMisses(db: Database, destinationId: string) {
  return db.orm
    .select()
    .from(destinationMisses)
    .where(sql`${destinationMisses.destinationId} = ${destinationId}`)
    .orderBy(destinationMisses.capturedTo);
}

/**
 * Forgets state kept per view, session and batch job that is older than `before`, a batch at a
 * time (these tables hold one small row per view, session or job; the events themselves go with
 * their partitions). Returns the rows removed.
 */
export async function forgetIdleState(db: Database, before: Date, batch = 10_000): Promise<number> {
  let removed = 0;
  const t = before.toISOString();
  for (const statement of [
    sql`delete from view_states where ctid in (select ctid from view_states where last_seen_time < ${t}::timestamptz limit ${batch})`,
    sql`delete from sessions where ctid in (select ctid from sessions where last_event_time < ${t}::timestamptz limit ${batch})`,
    sql`delete from batch_jobs where ctid in (select ctid from batch_jobs where finished_time < ${t}::timestamptz limit ${batch})`,
  ]) {
    for (;;) {
      const rows = await db.rows<{ n: number }>(sql`with gone as (${statement} returning 1) select count(*)::int as n from gone`);
      removed += rows[0]?.n ?? 0;
      if ((rows[0]?.n ?? 0) < batch) break;
    }
  }
  return removed;
}
