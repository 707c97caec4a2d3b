import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { destinationPeriods, syncRuns } from '../schema/index.ts';
import type { DestinationPeriod, DestinationRecord, SyncRunRecord } from './destinations.ts';

/**
 * A backfill (docs/warehouse-schema.md, "The one exception: a backfill"): its run (trigger `backfill`: status,
 * range, cursor, progress) and its period (what it has claimed of the capture times: the period's
 * end runs ahead of the run's `sentUntil` only while a chunk is in flight).
 */
export interface Backfill {
  run: SyncRunRecord;
  period: DestinationPeriod;
}

const OPEN = ['queued', 'running'] as const;

function selectBackfills(db: Database) {
  return db.orm
    .select({ run: syncRuns, period: destinationPeriods })
    .from(syncRuns)
    .innerJoin(destinationPeriods, eq(destinationPeriods.backfillId, syncRuns.id));
}

/**
 * Records a backfill of [`from`, `to`) for a destination: a queued run and an empty period with
 * the destination's current filters. The unique index `sync_runs_open_backfill_idx` refuses a
 * second open backfill of the destination (SQLSTATE 23505).
 */
export async function insertBackfill(
  db: Database,
  dest: Pick<DestinationRecord, 'id' | 'orgId' | 'eventTypesInclude' | 'eventTypesExclude'>,
  values: { from: Date; to: Date; requestedBy: string },
): Promise<Backfill> {
  const [run] = await db.orm
    .insert(syncRuns)
    .values({
      destinationId: dest.id,
      orgId: dest.orgId,
      status: 'queued',
      trigger: 'backfill',
      requestedBy: values.requestedBy,
      captureFrom: values.from,
      captureTo: values.to,
      sentUntil: values.from,
    })
    .returning();
  const [period] = await db.orm
    .insert(destinationPeriods)
    .values({
      destinationId: dest.id,
      orgId: dest.orgId,
      kind: 'backfill',
      startTime: values.from,
      endTime: values.from,
      eventTypesInclude: dest.eventTypesInclude,
      eventTypesExclude: dest.eventTypesExclude,
      backfillId: run!.id,
    })
    .returning();
  return { run: run!, period: period! };
}

/** The destination's queued or running backfill, if any. */
export async function findOpenBackfill(db: Database, destinationId: string): Promise<Backfill | undefined> {
  const [row] = await selectBackfills(db).where(
    and(eq(syncRuns.destinationId, destinationId), eq(syncRuns.trigger, 'backfill'), inArray(syncRuns.status, [...OPEN])),
  );
  return row;
}

export async function getBackfill(db: Database, orgId: string, id: string): Promise<Backfill | undefined> {
  const [row] = await selectBackfills(db).where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.id, id), eq(syncRuns.trigger, 'backfill')));
  return row;
}

/** A destination's backfills, newest first. */
export async function listBackfills(db: Database, orgId: string, destinationId: string, first: number): Promise<Backfill[]> {
  return selectBackfills(db)
    .where(and(eq(syncRuns.orgId, orgId), eq(syncRuns.destinationId, destinationId), eq(syncRuns.trigger, 'backfill')))
    .orderBy(desc(syncRuns.queuedTime), desc(syncRuns.id))
    .limit(first);
}

/** Locks an open backfill's run row until the transaction ends (claims and cancels serialise on it). */
async function lockOpenRun(tx: Database, id: string): Promise<SyncRunRecord | undefined> {
  const [run] = await tx.orm
    .select()
    .from(syncRuns)
    .where(and(eq(syncRuns.id, id), eq(syncRuns.trigger, 'backfill')))
    .for('update');
  return run && (OPEN as readonly string[]).includes(run.status) ? run : undefined;
}

/**
 * Claims the capture times up to `until` for the next chunk: the period grows to `until` before
 * any row of the chunk is sent, so the later windows carry the tombstones and new versions of
 * every row the chunk may have merged, even when the run dies before its cursor moves. False when
 * the backfill was cancelled or finished meanwhile.
 */
export async function claimBackfillChunk(db: Database, id: string, until: Date): Promise<boolean> {
  return db.transaction(async (tx) => {
    const run = await lockOpenRun(tx, id);
    if (!run || run.cancelRequested) return false;
    await tx.orm.update(destinationPeriods).set({ endTime: until }).where(eq(destinationPeriods.backfillId, id));
    await tx.orm
      .update(syncRuns)
      .set({ status: 'running', startedTime: run.startedTime ?? new Date() })
      .where(eq(syncRuns.id, id));
    return true;
  });
}

export async function setBackfillRowsToSend(db: Database, id: string, rows: number): Promise<void> {
  await db.orm.update(syncRuns).set({ rowsToSend: rows }).where(eq(syncRuns.id, id));
}

/**
 * Moves the cursor after the plugin confirmed a chunk's merge (in the transaction that ends the
 * destination's run): the backfill succeeds when it reached its end, is cancelled when that was
 * asked meanwhile, and runs on otherwise.
 */
export async function completeBackfillChunk(db: Database, id: string, chunk: { until: Date; rows: number; bytes: number }): Promise<void> {
  const until = sql`${chunk.until.toISOString()}::timestamptz`;
  const ends = sql`(${until} >= ${syncRuns.captureTo} or ${syncRuns.cancelRequested})`;
  await db.orm
    .update(syncRuns)
    .set({
      sentUntil: chunk.until,
      rows: sql`${syncRuns.rows} + ${chunk.rows}`,
      bytes: sql`${syncRuns.bytes} + ${chunk.bytes}`,
      error: null,
      errorKind: null,
      status: sql`case when ${until} >= ${syncRuns.captureTo} then 'succeeded' when ${syncRuns.cancelRequested} then 'cancelled' else 'running' end`,
      finishedTime: sql`case when ${ends} then now() end`,
    })
    .where(and(eq(syncRuns.id, id), inArray(syncRuns.status, [...OPEN])));
}

/** Records why the run that carried a backfill's chunk failed (the chunk is sent again by a later run). */
export async function recordBackfillError(db: Database, id: string, error: string, errorKind: string): Promise<void> {
  await db.orm.update(syncRuns).set({ error, errorKind }).where(eq(syncRuns.id, id));
}

/**
 * Cancels an open backfill: at once when no chunk is in flight (its period then ends at its
 * cursor), else once the chunk in flight is sent (`cancelRequested`; the next run sends it again
 * if it died, so the period never claims what was not sent). A finished backfill is returned
 * unchanged; undefined when there is no such backfill.
 */
export async function cancelBackfill(db: Database, orgId: string, id: string): Promise<Backfill | undefined> {
  return db.transaction(async (tx) => {
    const existing = await getBackfill(tx, orgId, id);
    if (!existing) return undefined;
    const run = await lockOpenRun(tx, id);
    if (!run) return existing;
    const [period] = await tx.orm.select().from(destinationPeriods).where(eq(destinationPeriods.backfillId, id));
    const inFlight = period!.endTime!.getTime() > run.sentUntil!.getTime();
    await tx.orm
      .update(syncRuns)
      .set(inFlight ? { cancelRequested: true } : { cancelRequested: true, status: 'cancelled', finishedTime: new Date() })
      .where(eq(syncRuns.id, id));
    return (await getBackfill(tx, orgId, id))!;
  });
}
