import { sql } from 'drizzle-orm';
import { bigint, boolean, index, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { utcTimestamp } from './columns.ts';
import { destinationIdColumn } from './destinations.ts';
import { orgIdColumn } from './organizations.ts';

/**
 * Every device an identified user was seen on (identify events, POST /v2/users): a deletion
 * request for a user reaches all of them. `users.device_id` keeps only the latest.
 */
export const userDevices = pgTable(
  'user_devices',
  {
    orgId: orgIdColumn(),
    uid: text('uid').notNull(),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    lastSeenTime: utcTimestamp('last_seen_time').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.uid, t.deviceId] })],
);

/**
 * A request to delete a person's data everywhere (issue #14): who asked, when, for which user or
 * device, the devices it resolved to, and what the store removed. The audit keeps the
 * identifiers a deletion needs and nothing else of the person.
 */
export const deletionRequests = pgTable(
  'deletion_requests',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    orgId: orgIdColumn(),
    /** `user` (a uid, resolved to every device joined to it) or `device`. */
    subjectKind: text('subject_kind').$type<'user' | 'device'>().notNull(),
    subject: text('subject').notNull(),
    deviceIds: text('device_ids').array().notNull(),
    /** Later events of these devices are dropped at capture. */
    suppress: boolean('suppress').notNull(),
    /** The API key that asked (its id, never the key). */
    requestedBy: text('requested_by').notNull(),
    requestedTime: utcTimestamp('requested_time').notNull().defaultNow(),
    storeRowsDeleted: bigint('store_rows_deleted', { mode: 'number' }).notNull().default(0),
    /** Events dropped at capture since: replays and late events of the deleted past, and, with `suppress`, every later one. */
    droppedEvents: bigint('dropped_events', { mode: 'number' }).notNull().default(0),
  },
  (t) => [index('deletion_requests_org_idx').on(t.orgId, t.requestedTime)],
);

/** Where a deletion request stands in each destination the organization had when it was made. */
export const deletionDestinations = pgTable(
  'deletion_destinations',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => deletionRequests.id, { onDelete: 'cascade' }),
    destinationId: destinationIdColumn(),
    orgId: orgIdColumn(),
    /** pending until a sync deleted the rows; unsupported when the plugin cannot delete (reported, not skipped). */
    status: text('status').$type<'pending' | 'done' | 'unsupported'>().notNull(),
    rowsDeleted: bigint('rows_deleted', { mode: 'number' }),
    completedTime: utcTimestamp('completed_time'),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.destinationId] }),
    index('deletion_destinations_pending_idx')
      .on(t.destinationId)
      .where(sql`${t.status} = 'pending'`),
  ],
);

/**
 * Devices whose past was deleted: events of theirs timed before `deletedBefore` never enter
 * the store again (replays, late events), and with `suppress` none at all.
 */
export const deletedDevices = pgTable(
  'deleted_devices',
  {
    orgId: orgIdColumn(),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    deletedBefore: utcTimestamp('deleted_before').notNull(),
    suppress: boolean('suppress').notNull(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => deletionRequests.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.deviceId] })],
);
