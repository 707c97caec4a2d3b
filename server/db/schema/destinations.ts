import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { pgSnapshot, utcTimestamp } from './columns.ts';
import { orgIdColumn } from './organizations.ts';

/**
 * A warehouse a organization syncs to, with its plugin config (secret fields encrypted), its
 * schedule, its change cursor and the lease that makes one instance run each due sync.
 */
export const destinations = pgTable(
  'destinations',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    pluginId: text('plugin_id').notNull(),
    /** Config without its secret fields. */
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    /** The secret fields as JSON, AES-256-GCM encrypted (server/auth/secrets.ts); never returned. */
    secretConfig: text('secret_config'),
    /**
     * Secret fields dropped when the target changed (server/sync/destinations.ts) and not given
     * since; the destination does not connect until they are.
     */
    clearedSecrets: text('cleared_secrets').array(),
    /**
     * The destination's local file (a plugin field marked `kind: 'file'`), relative to the files
     * folder and lower-cased: unique across all organizations, case-insensitive file systems
     * included, so no destination writes into another's file.
     */
    localFile: text('local_file'),
    enabled: boolean('enabled').notNull().default(true),
    eventTypesInclude: text('event_types_include').array(),
    eventTypesExclude: text('event_types_exclude').array(),
    intervalMinutes: integer('interval_minutes').notNull().default(60),
    /**
     * Change cursor: the snapshot the last window ended at (at creation: the creation instant).
     * Rows whose writing transaction it does not see are still to be read. It never skips a
     * disabled gap: what changed meanwhile is read on re-enabling and filtered by capture time
     * (destination_periods).
     */
    cursorSnapshot: pgSnapshot('cursor_snapshot'),
    nextRunTime: utcTimestamp('next_run_time').notNull().defaultNow(),
    leaseOwner: text('lease_owner'),
    leaseExpiresTime: utcTimestamp('lease_expires_time'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    lastSuccessTime: utcTimestamp('last_success_time'),
    lastError: text('last_error'),
    lastErrorKind: text('last_error_kind').$type<'retryable' | 'permanent' | 'config'>(),
    /** Plugin version whose tables were last ensured (ensureTables runs again after an upgrade). */
    tablesVersion: text('tables_version'),
    /** Fingerprint of the definition lookup tables last written (rewritten only when they change). */
    definitionsHash: text('definitions_hash'),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    modifiedTime: utcTimestamp('modified_time').notNull().defaultNow(),
  },
  (t) => [
    index('destinations_org_idx').on(t.orgId),
    index('destinations_due_idx')
      .on(t.nextRunTime)
      .where(sql`${t.enabled}`),
    uniqueIndex('destinations_local_file_idx').on(t.localFile),
  ],
);

export type DestinationPeriodKind = 'active' | 'backfill';

/**
 * Which capture times a destination receives, with which filters (docs/warehouse-schema.md, "What each destination holds"): it receives
 * the events captured inside one of its periods that passed that period's filters.
 *
 * An `active` period is a time it was enabled: enabling opens one, disabling closes it, a filter
 * change does both. A `backfill` period is the recorded exception: the capture times a backfill
 * (`backfillId`) has sent, with the filters the destination had when it was requested. It starts
 * empty (`endTime` = `startTime`) and grows chunk by chunk: its end moves to a chunk's end before
 * the chunk is sent (server/sync/backfill.ts), so every row sent lies inside it. Periods are never
 * rewritten otherwise, so re-processing an event later never changes whether a destination gets it.
 */
/** The destination a row belongs to: the row goes with it. */
export const destinationIdColumn = () =>
  uuid('destination_id')
    .notNull()
    .references(() => destinations.id, { onDelete: 'cascade' });

export const destinationPeriods = pgTable(
  'destination_periods',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    destinationId: destinationIdColumn(),
    orgId: orgIdColumn(),
    kind: text('kind').$type<DestinationPeriodKind>().notNull().default('active'),
    /** Capture times from this instant on belong to the period. */
    startTime: utcTimestamp('start_time').notNull(),
    /** Capture times before this instant belong to the period; NULL while an active period is open. */
    endTime: utcTimestamp('end_time'),
    /** The destination's event-type filters while the period lasted (a filter change starts a new period). */
    eventTypesInclude: text('event_types_include').array(),
    eventTypesExclude: text('event_types_exclude').array(),
    /** The backfill (a run of trigger `backfill`) of a backfill period. */
    backfillId: uuid('backfill_id').references((): AnyPgColumn => syncRuns.id, { onDelete: 'cascade' }),
  },
  (t) => [
    index('destination_periods_destination_idx').on(t.destinationId, t.startTime),
    uniqueIndex('destination_periods_backfill_idx').on(t.backfillId),
  ],
);

/**
 * What a destination missed because retention dropped a partition of the store before the
 * destination had synced it: it fell behind past TRIBUTARY_RETENTION_MAX, or was disabled. One row
 * per destination and dropped partition; no personal data, only counts and capture times.
 */
export const destinationMisses = pgTable(
  'destination_misses',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    destinationId: destinationIdColumn(),
    orgId: orgIdColumn(),
    /** The dropped partition's capture times (`capturedFrom` null: everything before `capturedTo`). */
    capturedFrom: utcTimestamp('captured_from'),
    capturedTo: utcTimestamp('captured_to').notNull(),
    /** Rows of the partition the destination had not synced (new rows, re-emitted rows, tombstones). */
    rows: bigint('rows', { mode: 'number' }).notNull(),
    /** Whether the destination was enabled (it held retention back until the ceiling) or disabled. */
    wasEnabled: boolean('was_enabled').notNull(),
    recordedTime: utcTimestamp('recorded_time').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('destination_misses_partition_idx').on(t.destinationId, t.capturedTo)],
);

export type SyncRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type SyncRunTrigger = 'schedule' | 'manual' | 'backfill';

/**
 * One run of one destination, a recorded state machine queued → running → succeeded | failed |
 * cancelled. A sync (`schedule`, `manual`) sends one window of changes. A backfill (`backfill`)
 * sends the current rows of the events captured in [`captureFrom`, `captureTo`), chunk by chunk
 * inside the destination's syncs; `sentUntil` is its cursor. Only backfills are cancelled.
 */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    destinationId: destinationIdColumn(),
    orgId: orgIdColumn(),
    status: text('status').$type<SyncRunStatus>().notNull(),
    trigger: text('trigger').$type<SyncRunTrigger>().notNull(),
    /** The window: rows written by transactions visible in `windowTo` and not in `windowFrom`. */
    windowFrom: pgSnapshot('window_from'),
    windowTo: pgSnapshot('window_to'),
    rows: bigint('rows', { mode: 'number' }).notNull().default(0),
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    statements: integer('statements').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    queuedTime: utcTimestamp('queued_time').notNull().defaultNow(),
    startedTime: utcTimestamp('started_time'),
    finishedTime: utcTimestamp('finished_time'),
    durationMs: integer('duration_ms'),
    error: text('error'),
    errorKind: text('error_kind'),
    runner: text('runner'),
    details: jsonb('details').$type<Record<string, unknown>>(),
    /** Backfill: who asked for it (`api-key:<id>`). */
    requestedBy: text('requested_by'),
    /** Backfill: the capture times it sends, from this instant on … */
    captureFrom: utcTimestamp('capture_from'),
    /** … and before this one (the instant it was requested). */
    captureTo: utcTimestamp('capture_to'),
    /**
     * Backfill cursor: the live rows captured from `captureFrom` and before this instant were
     * sent (each in its version current when its chunk was read). Moves only after the plugin
     * confirmed a chunk's merge; a chunk never splits the rows of one capture instant.
     */
    sentUntil: utcTimestamp('sent_until'),
    /** Backfill: the live rows in its range when its first chunk was read (null before). */
    rowsToSend: bigint('rows_to_send', { mode: 'number' }),
    /** Backfill: cancelled while a chunk was in flight; it stops once that chunk is sent. */
    cancelRequested: boolean('cancel_requested').notNull().default(false),
  },
  (t) => [
    index('sync_runs_destination_idx').on(t.destinationId, t.queuedTime),
    // one backfill at a time per destination
    uniqueIndex('sync_runs_open_backfill_idx')
      .on(t.destinationId)
      .where(sql`${t.trigger} = 'backfill' and ${t.status} in ('queued', 'running')`),
  ],
);
