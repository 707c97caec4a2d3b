import { sql } from 'drizzle-orm';
import { bigint, boolean, index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { utcTimestamp, xid8 } from './columns.ts';
import { orgIdColumn } from './organizations.ts';

/**
 * The processed event store: one row per warehouse row (docs/warehouse-schema.md), including re-emitted
 * versions and tombstones. A tombstone is a row whose `event_type` and payload were set to NULL
 * because a late event made Tributary re-emit it under a new `event_id`.
 *
 * `change_xid` is the id of the transaction that last wrote the row. The sync reads rows whose
 * `change_xid` lies between its cursor and the oldest transaction still running
 * (`pg_snapshot_xmin`), so a row committed while a sync is reading is never skipped: its
 * transaction is still running, hence at or above the snapshot's xmin, and the next sync sees it.
 *
 * The table is partitioned by day of `captured_time` (PostgreSQL declarative partitioning,
 * created by migration 0003, which drizzle's table builder cannot express): every version of an
 * event shares its capture time, so an event lives in one partition, and retention drops whole
 * partitions (server/lifecycle/). A unique index of a partitioned table must hold the partition
 * key, so the primary key is (event_id, captured_time) and a client event's identity is kept
 * unique by the writer (under its view's lock or an advisory lock), not by an index.
 */
export const events = pgTable(
  'events',
  {
    eventId: text('event_id').notNull(),
    orgId: orgIdColumn(),
    /** Identity of the client event: device + client id, or the server API idempotency key. */
    dedupKey: text('dedup_key').notNull(),
    clientSeq: bigint('client_seq', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    sessionId: bigint('session_id', { mode: 'bigint' }),
    viewId: bigint('view_id', { mode: 'bigint' }),
    eventTime: utcTimestamp('event_time').notNull(),
    /** Set by the database when the row is written (one instant per statement). */
    processedTime: utcTimestamp('processed_time')
      .notNull()
      .default(sql`statement_timestamp()`),
    capturedTime: utcTimestamp('captured_time').notNull(),
    eventType: text('event_type'),
    eventProperties: jsonb('event_properties'),
    sourceType: text('source_type').notNull(),
    sourceProperties: jsonb('source_properties'),
    /** The event had no URL of its own and took its page context from the view's latest navigate. */
    urlInherited: boolean('url_inherited').notNull().default(false),
    /** The captured element and its ancestors, kept to re-match definitions on re-emission. */
    targetPath: jsonb('target_path'),
    changeXid: xid8('change_xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (t) => [
    primaryKey({ columns: [t.eventId, t.capturedTime] }),
    index('events_live_dedup_idx')
      .on(t.orgId, t.dedupKey)
      .where(sql`${t.eventType} is not null`),
    index('events_change_idx').on(t.orgId, t.changeXid, t.eventId),
    index('events_view_order_idx')
      .on(t.orgId, t.viewId, t.eventTime, t.clientSeq)
      .where(sql`${t.eventType} is not null and ${t.viewId} is not null`),
    // a deletion request finds a device's rows in every partition
    index('events_device_idx').on(t.orgId, t.deviceId),
    // the page contexts of a view: a late event finds the navigates around it without reading
    // the rest of the view
    index('events_view_navigates_idx')
      .on(t.orgId, t.viewId, t.eventTime, t.clientSeq)
      .where(sql`${t.eventType} = 'navigate' and ${t.viewId} is not null`),
  ],
);

/** Per view: the latest processed position and the page context later events inherit. */
export const viewStates = pgTable(
  'view_states',
  {
    orgId: orgIdColumn(),
    viewId: bigint('view_id', { mode: 'bigint' }).notNull(),
    /** Microseconds since the epoch of the latest processed event (exact, unlike a JS Date). */
    lastEventMicros: bigint('last_event_micros', { mode: 'bigint' }),
    lastSeq: bigint('last_seq', { mode: 'bigint' }),
    /** `{ url }`: the URL parts of the latest navigate, or null before the first. */
    pageContext: jsonb('page_context'),
    /** Capture time of the view's latest events: a view idle past the retention ceiling is forgotten. */
    lastSeenTime: utcTimestamp('last_seen_time').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.viewId] })],
);

/**
 * The span of each session by event time, for server events asking for a user's most recent
 * session: the one whose events reach into the 30 minutes before the event's own timestamp.
 */
export const sessions = pgTable(
  'sessions',
  {
    orgId: orgIdColumn(),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    sessionId: bigint('session_id', { mode: 'bigint' }).notNull(),
    /** Earliest and latest event time (device clock, UTC) of the session's events. */
    firstEventTime: utcTimestamp('first_event_time').notNull(),
    lastEventTime: utcTimestamp('last_event_time').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.deviceId, t.sessionId] })],
);

/** Identified users (from identify events and POST /v2/users) and the device they were last seen on. */
export const users = pgTable(
  'users',
  {
    orgId: orgIdColumn(),
    uid: text('uid').notNull(),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    displayName: text('display_name'),
    email: text('email'),
    properties: jsonb('properties')
      .notNull()
      .default(sql`'{}'::jsonb`),
    updatedTime: utcTimestamp('updated_time').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.uid] })],
);

/**
 * The device of each Segment-shaped `anonymousId` (server/capture/segment/devices.ts): derived
 * from the id, and recorded so that two ids never share a device (a collision takes the next
 * candidate) and an id keeps its device forever.
 */
export const anonymousDevices = pgTable(
  'anonymous_devices',
  {
    orgId: orgIdColumn(),
    anonymousId: text('anonymous_id').notNull(),
    deviceId: bigint('device_id', { mode: 'bigint' }).notNull(),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.anonymousId] }), uniqueIndex('anonymous_devices_device_idx').on(t.orgId, t.deviceId)],
);

/**
 * Server API batch imports (POST /v2/events/batch, POST /v2/users/batch): processed at once,
 * status kept for GET. A job is found only under its own kind.
 */
export const batchJobs = pgTable(
  'batch_jobs',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    orgId: orgIdColumn(),
    kind: text('kind').$type<BatchJobKind>().notNull().default('events'),
    idempotencyKey: text('idempotency_key'),
    status: text('status').$type<'PROCESSING' | 'COMPLETED' | 'FAILED'>().notNull(),
    imports: bigint('imports', { mode: 'number' }).notNull().default(0),
    errors: jsonb('errors')
      .$type<BatchJobError[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
    finishedTime: utcTimestamp('finished_time'),
  },
  (t) => [uniqueIndex('batch_jobs_kind_idempotency_idx').on(t.orgId, t.kind, t.idempotencyKey)],
);

export type BatchJobKind = 'events' | 'users';

export interface BatchJobError {
  index: number;
  code: string;
  message: string;
  event: unknown;
}
