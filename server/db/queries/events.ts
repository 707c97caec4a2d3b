import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { utcText, withIsoTimes } from './utc-time.ts';

export interface EventListRow {
  event_id: string;
  event_time: string;
  processed_time: string;
  device_id: string;
  session_id: string | null;
  view_id: string | null;
  event_type: string | null;
  event_properties: unknown;
  source_type: string;
  source_properties: unknown;
  /** The captured element path of element events (what element definitions match), else null. */
  target_path: unknown;
  change_xid: string;
}

export interface EventListFilter {
  eventType?: string | null;
  deviceId?: string | null;
  sessionId?: string | null;
  from?: Date | null;
  to?: Date | null;
  includeTombstones?: boolean | null;
}

/**
 * Processed rows of one organization, most recently processed first, keyset paginated on the
 * store's change order (change_xid, event_id): `after` is the position of the previous page's
 * last row. It rides the index the sync uses, so capture pays for no extra index.
 */
export async function listEvents(
  db: Database,
  orgId: string,
  filter: EventListFilter,
  page: { first: number; after?: { changeXid: string; eventId: string } },
): Promise<EventListRow[]> {
  const where: SQL[] = [sql`org_id = ${orgId}`];
  if (!filter.includeTombstones) where.push(sql`event_type is not null`);
  if (filter.eventType) where.push(sql`event_type = ${filter.eventType}`);
  if (filter.deviceId) where.push(sql`device_id = ${filter.deviceId}::int8`);
  if (filter.sessionId) where.push(sql`session_id = ${filter.sessionId}::int8`);
  if (filter.from) where.push(sql`event_time >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) where.push(sql`event_time < ${filter.to.toISOString()}::timestamptz`);
  if (page.after) {
    where.push(sql`(change_xid, event_id) < (${page.after.changeXid}::xid8, ${page.after.eventId})`);
  }
  const rows = await db.rows<EventListRow>(sql`
    select event_id, ${utcText('event_time')} as event_time, ${utcText('processed_time')} as processed_time,
      device_id::text, session_id::text, view_id::text, event_type, event_properties, source_type, source_properties,
      target_path, change_xid::text
    from events
    where ${sql.join(where, sql` and `)}
    order by events.change_xid desc, events.event_id desc
    limit ${page.first}`);
  return withIsoTimes(rows, ['event_time', 'processed_time']);
}
