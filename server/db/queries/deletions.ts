import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { deletionDestinations, deletionRequests } from '../schema/index.ts';

export type DeletionRequestRecord = typeof deletionRequests.$inferSelect;
export type DeletionDestinationRecord = typeof deletionDestinations.$inferSelect;

/** Records the devices identified users were seen on (one row per user and device). */
export async function upsertUserDevices(
  tx: Database,
  rows: { orgId: string; uid: string; deviceId: string; seen: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  const input = JSON.stringify(rows.map((r) => ({ org_id: r.orgId, uid: r.uid, device_id: r.deviceId, seen: r.seen })));
  await tx.rows(sql`
    insert into user_devices (org_id, uid, device_id, last_seen_time)
    select x.org_id, x.uid, x.device_id, x.seen
    from json_to_recordset(${input}::json) as x(org_id uuid, uid text, device_id bigint, seen timestamptz)
    order by 1, 2, 3
    on conflict (org_id, uid, device_id) do update set last_seen_time = greatest(user_devices.last_seen_time, excluded.last_seen_time)`);
}

/** Every device a user was seen on. */
export async function devicesOfUser(db: Database, orgId: string, uid: string): Promise<string[]> {
  const rows = await db.rows<{ device_id: string }>(sql`select device_id::text from user_devices where org_id = ${orgId} and uid = ${uid}`);
  return rows.map((r) => r.device_id);
}

/**
 * Records a deletion request and removes the devices' data from the store: their events (every
 * partition, through the device index), sessions, and the user's identity rows. Returns the
 * request. `destinations` are the organization's destinations, each pending or unsupported.
 */
export async function recordDeletion(
  tx: Database,
  input: {
    orgId: string;
    subjectKind: 'user' | 'device';
    subject: string;
    deviceIds: string[];
    suppress: boolean;
    requestedBy: string;
    requestedTime: Date;
    destinations: { id: string; supported: boolean }[];
  },
): Promise<DeletionRequestRecord> {
  const [request] = await tx.orm
    .insert(deletionRequests)
    .values({
      orgId: input.orgId,
      subjectKind: input.subjectKind,
      subject: input.subject,
      deviceIds: input.deviceIds,
      suppress: input.suppress,
      requestedBy: input.requestedBy,
      requestedTime: input.requestedTime,
    })
    .returning();
  const devices = JSON.stringify(input.deviceIds);
  await tx.rows(sql`
    insert into deleted_devices (org_id, device_id, deleted_before, suppress, request_id)
    select ${input.orgId}::uuid, value::bigint, ${input.requestedTime.toISOString()}::timestamptz, ${input.suppress}, ${request!.id}::uuid
    from json_array_elements_text(${devices}::json)
    on conflict (org_id, device_id) do update set deleted_before = greatest(deleted_devices.deleted_before, excluded.deleted_before),
      suppress = excluded.suppress, request_id = excluded.request_id`);
  if (input.destinations.length > 0) {
    await tx.orm.insert(deletionDestinations).values(
      input.destinations.map((d) => ({
        requestId: request!.id,
        destinationId: d.id,
        orgId: input.orgId,
        status: d.supported ? ('pending' as const) : ('unsupported' as const),
      })),
    );
  }
  const [deleted] = await tx.rows<{ n: number }>(sql`
    with gone as (delete from events where org_id = ${input.orgId}::uuid and device_id in (select value::bigint from json_array_elements_text(${devices}::json)) returning 1)
    select count(*)::int as n from gone`);
  await tx.rows(
    sql`delete from sessions where org_id = ${input.orgId}::uuid and device_id in (select value::bigint from json_array_elements_text(${devices}::json))`,
  );
  await tx.rows(
    sql`delete from user_devices where org_id = ${input.orgId}::uuid and device_id in (select value::bigint from json_array_elements_text(${devices}::json))`,
  );
  if (input.subjectKind === 'user') await tx.rows(sql`delete from users where org_id = ${input.orgId}::uuid and uid = ${input.subject}`);
  const [updated] = await tx.orm
    .update(deletionRequests)
    .set({ storeRowsDeleted: deleted?.n ?? 0 })
    .where(eq(deletionRequests.id, request!.id))
    .returning();
  return updated!;
}

/** The devices of these events whose past was deleted, by `<org>/<device>`. */
export async function findDeletedDevices(
  tx: Database,
  keys: { orgId: string; deviceId: string }[],
): Promise<Map<string, { deletedBefore: Date; suppress: boolean; requestId: string }>> {
  const found = new Map<string, { deletedBefore: Date; suppress: boolean; requestId: string }>();
  if (keys.length === 0) return found;
  const input = JSON.stringify(keys.map((k) => ({ org_id: k.orgId, device_id: k.deviceId })));
  const rows = await tx.rows<{ org_id: string; device_id: string; deleted_before: string; suppress: boolean; request_id: string }>(sql`
    select d.org_id::text, d.device_id::text, d.deleted_before::text, d.suppress, d.request_id::text
    from json_to_recordset(${input}::json) as x(org_id uuid, device_id bigint)
    join deleted_devices d on d.org_id = x.org_id and d.device_id = x.device_id`);
  for (const r of rows) {
    found.set(`${r.org_id}/${r.device_id}`, {
      deletedBefore: new Date(r.deleted_before.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')),
      suppress: r.suppress,
      requestId: r.request_id,
    });
  }
  return found;
}

/** Adds to the requests' counts of events dropped at capture. */
export async function countDroppedEvents(tx: Database, byRequest: Map<string, number>): Promise<void> {
  if (byRequest.size === 0) return;
  const input = JSON.stringify([...byRequest].map(([id, n]) => ({ id, n })));
  await tx.rows(sql`
    update deletion_requests r set dropped_events = r.dropped_events + x.n
    from json_to_recordset(${input}::json) as x(id uuid, n bigint) where r.id = x.id`);
}

/** The deletion requests a destination has still to carry out, oldest first. */
export async function pendingDeletions(db: Database, destinationId: string): Promise<{ requestId: string; deviceIds: string[] }[]> {
  return db.rows<{ requestId: string; deviceIds: string[] }>(sql`
    select r.id::text as "requestId", r.device_ids as "deviceIds"
    from deletion_destinations d join deletion_requests r on r.id = d.request_id
    where d.destination_id = ${destinationId} and d.status = 'pending'
    order by r.requested_time`);
}

/** Marks requests carried out in a destination (or reported as unsupported by its plugin). */
export async function settleDeletions(
  db: Database,
  destinationId: string,
  requestIds: string[],
  outcome: { status: 'done' | 'unsupported'; rowsDeleted?: number | null; at: Date },
): Promise<void> {
  if (requestIds.length === 0) return;
  await db.rows(sql`
    update deletion_destinations set status = ${outcome.status}, rows_deleted = ${outcome.rowsDeleted ?? null}, completed_time = ${outcome.at.toISOString()}::timestamptz
    where destination_id = ${destinationId} and request_id in (select value::uuid from json_array_elements_text(${JSON.stringify(requestIds)}::json))`);
}

export async function listDeletionRequests(db: Database, orgId: string, first: number): Promise<DeletionRequestRecord[]> {
  return db.orm
    .select()
    .from(deletionRequests)
    .where(eq(deletionRequests.orgId, orgId))
    .orderBy(desc(deletionRequests.requestedTime))
    .limit(first);
}

export async function getDeletionRequest(db: Database, orgId: string, id: string): Promise<DeletionRequestRecord | undefined> {
  const [row] = await db.orm
    .select()
    .from(deletionRequests)
    .where(and(eq(deletionRequests.orgId, orgId), eq(deletionRequests.id, id)));
  return row;
}

export async function deletionDestinationsOf(db: Database, requestId: string): Promise<DeletionDestinationRecord[]> {
  return db.orm.select().from(deletionDestinations).where(eq(deletionDestinations.requestId, requestId));
}

/** How many deletion requests wait for each destination (pending). */
export async function pendingDeletionCount(db: Database, destinationId: string): Promise<number> {
  const [row] = await db.rows<{ n: number }>(
    sql`select count(*)::int as n from deletion_destinations where destination_id = ${destinationId} and status = 'pending'`,
  );
  return row?.n ?? 0;
}
