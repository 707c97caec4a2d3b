import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { batchJobs, events, type BatchJobError, type BatchJobKind } from '../schema/index.ts';

/** Server API batch imports (POST /v2/events/batch, POST /v2/users/batch) and what they stored. */

export type BatchJob = typeof batchJobs.$inferSelect;

/**
 * Claims a new job in state PROCESSING. With an idempotency key, a second claim of the same key
 * in the same organization inserts nothing and returns undefined: the caller then answers with
 * the existing job (`findBatchJobByIdempotencyKey`).
 */
export async function claimBatchJob(
  db: Database,
  values: { id: string; orgId: string; kind: BatchJobKind; idempotencyKey: string | null },
): Promise<BatchJob | undefined> {
  const [row] = await db.orm
    .insert(batchJobs)
    .values({ id: values.id, orgId: values.orgId, kind: values.kind, idempotencyKey: values.idempotencyKey, status: 'PROCESSING' })
    .onConflictDoNothing()
    .returning();
  return row;
}

export async function findBatchJobByIdempotencyKey(
  db: Database,
  orgId: string,
  kind: BatchJobKind,
  idempotencyKey: string,
): Promise<BatchJob | undefined> {
  const [row] = await db.orm
    .select()
    .from(batchJobs)
    .where(and(eq(batchJobs.orgId, orgId), eq(batchJobs.kind, kind), eq(batchJobs.idempotencyKey, idempotencyKey)));
  return row;
}

/** A job of the organization and kind; undefined for unknown ids, jobs of another kind or organization. */
export async function getBatchJob(db: Database, orgId: string, kind: BatchJobKind, id: string): Promise<BatchJob | undefined> {
  const [row] = await db.orm
    .select()
    .from(batchJobs)
    .where(and(eq(batchJobs.orgId, orgId), eq(batchJobs.kind, kind), eq(batchJobs.id, id)));
  return row;
}

/** Records the outcome of a claimed job. */
export async function finishBatchJob(
  db: Database,
  id: string,
  outcome: { status: 'COMPLETED' | 'FAILED'; imports: number; errors: BatchJobError[] },
): Promise<BatchJob> {
  const [row] = await db.orm
    .update(batchJobs)
    .set({ status: outcome.status, imports: outcome.imports, errors: outcome.errors, finishedTime: new Date() })
    .where(eq(batchJobs.id, id))
    .returning();
  return row!;
}

/** Releases a claim whose events could not be stored, so a retry with the same key runs again. */
export async function deleteBatchJob(db: Database, id: string): Promise<void> {
  await db.orm.delete(batchJobs).where(eq(batchJobs.id, id));
}

export interface ImportedEventRow {
  dedupKey: string;
  deviceId: string;
  sessionId: string | null;
  eventTime: Date;
  eventProperties: unknown;
  sourceProperties: unknown;
}

/** The live rows stored under these client event identities (the events a batch job imported). */
export async function findEventsByDedupKeys(db: Database, orgId: string, dedupKeys: string[]): Promise<ImportedEventRow[]> {
  if (dedupKeys.length === 0) return [];
  const rows = await db.orm
    .select({
      dedupKey: events.dedupKey,
      deviceId: events.deviceId,
      sessionId: events.sessionId,
      eventTime: events.eventTime,
      eventProperties: events.eventProperties,
      sourceProperties: events.sourceProperties,
    })
    .from(events)
    .where(and(eq(events.orgId, orgId), inArray(events.dedupKey, dedupKeys), isNotNull(events.eventType)));
  return rows.map((r) => ({ ...r, deviceId: String(r.deviceId), sessionId: r.sessionId === null ? null : String(r.sessionId) }));
}
