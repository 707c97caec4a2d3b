import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { pgSnapshot, utcTimestamp } from './columns.ts';
import { organizations } from './organizations.ts';

/**
 * A warehouse a organization syncs to, with its plugin config (secret fields encrypted), its
 * schedule, its change cursor and the lease that makes one instance run each due sync.
 */
export const destinations = pgTable(
  'destinations',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
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
    /** Start of the current active period: rows processed before it are never sent. */
    activeSince: utcTimestamp('active_since'),
    /**
     * Change cursor: the snapshot the last window ended at (at activation: the activation
     * instant). Rows whose writing transaction it does not see are still to be sent.
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
    index('destinations_due_idx').on(t.nextRunTime).where(sql`${t.enabled}`),
    uniqueIndex('destinations_local_file_idx').on(t.localFile),
  ],
);

export type SyncRunStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** One sync of one destination: a recorded state machine queued → running → succeeded | failed. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    destinationId: uuid('destination_id')
      .notNull()
      .references(() => destinations.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    status: text('status').$type<SyncRunStatus>().notNull(),
    trigger: text('trigger').$type<'schedule' | 'manual'>().notNull(),
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
  },
  (t) => [index('sync_runs_destination_idx').on(t.destinationId, t.queuedTime)],
);
