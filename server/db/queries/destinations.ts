import { and, desc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { destinationPeriods, destinations, syncRuns } from '../schema/index.ts';
import { utcText, utcTextToIso } from './utc-time.ts';

export type DestinationRecord = typeof destinations.$inferSelect;
export type SyncRunRecord = typeof syncRuns.$inferSelect;
export type DestinationPeriod = typeof destinationPeriods.$inferSelect;

/** Opens an active period of a destination at `start`, with the filters it has from then on. */
export async function openActivePeriod(
  db: Database,
  dest: Pick<DestinationRecord, 'id' | 'orgId' | 'eventTypesInclude' | 'eventTypesExclude'>,
  start: Date,
): Promise<void> {
  await db.orm.insert(destinationPeriods).values({
    destinationId: dest.id,
    orgId: dest.orgId,
    startTime: start,
    eventTypesInclude: dest.eventTypesInclude,
    eventTypesExclude: dest.eventTypesExclude,
  });
}

/** Closes the open active period of a destination at `end` (its disabling). */
export async function closeActivePeriod(db: Database, destinationId: string, end: Date): Promise<void> {
  await db.orm
    .update(destinationPeriods)
    .set({ endTime: sql`greatest(${end.toISOString()}::timestamptz, ${destinationPeriods.startTime})` })
    .where(
      and(
        eq(destinationPeriods.destinationId, destinationId),
        eq(destinationPeriods.kind, 'active'),
        sql`${destinationPeriods.endTime} is null`,
      ),
    );
}

/** The periods of destinations, active and backfill, oldest first. */
export async function listDestinationPeriods(db: Database, destinationIds: string[]): Promise<DestinationPeriod[]> {
  if (destinationIds.length === 0) return [];
  return db.orm
    .select()
    .from(destinationPeriods)
    .where(
      sql`${destinationPeriods.destinationId} in (select value::uuid from json_array_elements_text(${JSON.stringify(destinationIds)}::json))`,
    )
    .orderBy(destinationPeriods.destinationId, destinationPeriods.startTime);
}

export async function insertDestination(db: Database, values: typeof destinations.$inferInsert): Promise<DestinationRecord> {
  const [row] = await db.orm.insert(destinations).values(values).returning();
  return row!;
}

export async function listDestinations(db: Database, orgId: string): Promise<DestinationRecord[]> {
  return db.orm.select().from(destinations).where(eq(destinations.orgId, orgId)).orderBy(destinations.createdTime);
}

/** A destination of an organization; `forUpdate` locks it until the transaction ends. */
export async function getDestination(
  db: Database,
  orgId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DestinationRecord | undefined> {
  const query = db.orm
    .select()
    .from(destinations)
    .where(and(eq(destinations.orgId, orgId), eq(destinations.id, id)));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

export async function updateDestination(
  db: Database,
  orgId: string,
  id: string,
  values: Partial<typeof destinations.$inferInsert>,
): Promise<DestinationRecord | undefined> {
  const [row] = await db.orm
    .update(destinations)
    .set({ ...values, modifiedTime: new Date() })
    .where(and(eq(destinations.orgId, orgId), eq(destinations.id, id)))
    .returning();
  return row;
}

export async function deleteDestination(db: Database, orgId: string, id: string): Promise<boolean> {
  const rows = await db.orm
    .delete(destinations)
    .where(and(eq(destinations.orgId, orgId), eq(destinations.id, id)))
    .returning({ id: destinations.id });
  return rows.length > 0;
}

/**
 * Claims up to `limit` due destinations for `owner` until `leaseMs` from now. Two instances
 * never claim the same destination: rows are locked with SKIP LOCKED and a live lease excludes
 * them. An expired lease (a crashed instance) makes the destination claimable again.
 */
export async function claimDueDestinations(db: Database, owner: string, limit: number, leaseMs: number): Promise<DestinationRecord[]> {
  const rows = await db.rows<{ id: string }>(sql`
    update destinations set lease_owner = ${owner}, lease_expires_time = now() + ${leaseMs} * interval '1 millisecond'
    where id in (
      select id from destinations
      where enabled and next_run_time <= now() and (lease_expires_time is null or lease_expires_time < now())
      order by next_run_time
      limit ${limit}
      for update skip locked)
    returning id::text`);
  if (rows.length === 0) return [];
  return db.orm
    .select()
    .from(destinations)
    .where(sql`${destinations.id} in (select value::uuid from json_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::json))`);
}

/** Extends a lease this owner holds; false when it was lost (expired and taken by another instance). */
export async function renewLease(db: Database, id: string, owner: string, leaseMs: number): Promise<boolean> {
  const rows = await db.orm
    .update(destinations)
    .set({ leaseExpiresTime: sql`now() + ${leaseMs} * interval '1 millisecond'` })
    .where(and(eq(destinations.id, id), eq(destinations.leaseOwner, owner)))
    .returning({ id: destinations.id });
  return rows.length > 0;
}

/**
 * Ends a run's lease with the destination's new state; only the lease owner may. A run asked for
 * after `runStarted` (sync now, a backfill, a config change, while this one ran) is kept when it
 * comes sooner than `values.nextRunTime`.
 */
export async function releaseDestination(
  db: Database,
  id: string,
  owner: string,
  values: Partial<typeof destinations.$inferInsert>,
  runStarted: Date,
): Promise<boolean> {
  const next = values.nextRunTime && sql`${values.nextRunTime.toISOString()}::timestamptz`;
  const rows = await db.orm
    .update(destinations)
    .set({
      ...values,
      ...(next
        ? {
            nextRunTime: sql`case when ${destinations.nextRunTime} > ${runStarted.toISOString()}::timestamptz then least(${destinations.nextRunTime}, ${next}) else ${next} end`,
          }
        : {}),
      leaseOwner: null,
      leaseExpiresTime: null,
    })
    .where(and(eq(destinations.id, id), eq(destinations.leaseOwner, owner)))
    .returning({ id: destinations.id });
  return rows.length > 0;
}

export async function insertSyncRun(db: Database, values: typeof syncRuns.$inferInsert): Promise<SyncRunRecord> {
  const [row] = await db.orm.insert(syncRuns).values(values).returning();
  return row!;
}

export async function updateSyncRun(db: Database, id: string, values: Partial<typeof syncRuns.$inferInsert>): Promise<void> {
  await db.orm.update(syncRuns).set(values).where(eq(syncRuns.id, id));
}

const isSync = ne(syncRuns.trigger, 'backfill');

/** The oldest queued sync of a destination (a "sync now" waiting for the scheduler). */
export async function findQueuedRun(db: Database, destinationId: string): Promise<SyncRunRecord | undefined> {
  const [row] = await db.orm
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.destinationId, destinationId), eq(syncRuns.status, 'queued'), isSync))
    .orderBy(syncRuns.queuedTime)
    .limit(1);
  return row;
}

/**
 * Syncs left `running` by an instance that lost its lease (crashed): recorded as failed. A
 * backfill runs across syncs: the next sync sends its chunk in flight again.
 */
export async function failAbandonedRuns(db: Database, destinationId: string, message: string): Promise<void> {
  await db.orm
    .update(syncRuns)
    .set({ status: 'failed', error: message, errorKind: 'retryable', finishedTime: new Date() })
    .where(and(eq(syncRuns.destinationId, destinationId), eq(syncRuns.status, 'running'), isSync));
}

/** A sync of an organization (backfills: getBackfill). */
export async function getSyncRun(db: Database, orgId: string, id: string): Promise<SyncRunRecord | undefined> {
  const [row] = await db.orm
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.id, id), isSync));
  return row;
}

/**
 * Syncs of a destination (backfills: listBackfills), newest first, keyset paginated on (queued_time,
 * id) along `sync_runs_destination_idx`. Each run comes with `cursorTime`, its queued_time to the
 * microsecond as the column holds it (ISO, six fraction digits): a JS Date has milliseconds, and a
 * cursor made from one would skip the runs queued microseconds before it in the same millisecond.
 */
export async function listSyncRuns(
  db: Database,
  orgId: string,
  destinationId: string,
  page: { first: number; before?: { cursorTime: string; id: string } },
): Promise<(SyncRunRecord & { cursorTime: string })[]> {
  const conditions = [eq(syncRuns.orgId, orgId), eq(syncRuns.destinationId, destinationId), isSync];
  if (page.before) {
    conditions.push(sql`(${syncRuns.queuedTime}, ${syncRuns.id}) < (${page.before.cursorTime}::timestamptz, ${page.before.id}::uuid)`);
  }
  const rows = await db.orm
    .select({ run: syncRuns, cursorTime: sql<string>`${utcText('sync_runs.queued_time')}` })
    .from(syncRuns)
    .where(and(...conditions))
    .orderBy(desc(syncRuns.queuedTime), desc(syncRuns.id))
    .limit(page.first);
  return rows.map(({ run, cursorTime }) => ({ ...run, cursorTime: utcTextToIso(cursorTime) }));
}
