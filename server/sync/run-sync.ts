import { createHash } from 'node:crypto';
import {
  classifyError,
  ConfigError,
  errorMessage,
  PermanentError,
  RetryableError,
  parseDestinationConfig,
  type CopyTextChunk,
  type DefinitionTables,
  type DestinationConnection,
  type ErrorKind,
  type EventRow,
  type LoadResult,
  retryAfterMsOf,
} from '@tributary/destination-sdk';
import type { SecretBox } from '../auth/secrets.ts';
import type { Database } from '../db/client.ts';
import { completeBackfillChunk, findOpenBackfill, recordBackfillError } from '../db/queries/backfills.ts';
import {
  changeSnapshot,
  copyBackfillRows,
  copyChangedRows,
  readBackfillRows,
  readChangedRows,
  windowHasChanges,
  type BackfillRange,
  type BackfillRow,
  type ChangedRow,
  type ChangeWindow,
} from '../db/queries/changes.ts';
import {
  listDestinationPeriods,
  releaseDestination,
  renewLease,
  updateSyncRun,
  type DestinationRecord,
  type SyncRunRecord,
} from '../db/queries/destinations.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { InstalledPlugin, PluginRegistry } from '../plugins/registry.ts';
import { planBackfillChunk, type BackfillChunkPlan } from './backfill.ts';
import { windowRanges } from './periods.ts';
import { FAILING_AFTER, nextBoundary, retryDelayMs } from './schedule.ts';
import { pendingDeletions, settleDeletions } from '../db/queries/deletions.ts';
import { requireSecrets, type TargetGuard } from './targets.ts';

export interface SyncOptions {
  /** Rows per batch streamed to the plugin: memory is bounded by this, not by the window. */
  batchSize: number;
  /** Attempts within one run for retryable errors, before the run fails. */
  attemptsPerRun: number;
  /** Base delay between attempts in a run, and of the backoff between failed runs. */
  retryBaseMs: number;
  leaseMs: number;
  /** A run taking longer is aborted (the plugin gets an aborted signal) and fails. */
  runTimeoutMs: number;
  /**
   * Rows of a backfill one run sends after its window (plus the rest of the last capture
   * instant); the run is scheduled again at once while the backfill has rows left.
   */
  backfillChunkRows: number;
}

export const DEFAULT_SYNC_OPTIONS: SyncOptions = {
  batchSize: 5_000,
  attemptsPerRun: 3,
  retryBaseMs: 30_000,
  leaseMs: 120_000,
  runTimeoutMs: 30 * 60_000,
  // ~10 s of a postgres destination's merge: a chunk never holds the lease for long
  backfillChunkRows: 1_000_000,
};

export interface SyncDeps {
  db: Database;
  registry: PluginRegistry;
  secrets: SecretBox;
  /** Connects plugins after the target checks (server/sync/targets.ts). */
  targets: TargetGuard;
  /** The organization's current definitions in the warehouse lookup-table shape. */
  lookupTables(orgId: string): Promise<DefinitionTables>;
  options: SyncOptions;
  log: Logger;
  metrics: Pick<Metrics, 'syncRun'>;
  /** Waits between attempts (tests shorten it). */
  sleep?: (ms: number) => Promise<void>;
}

/** A failure of a run as the plugin contract classifies it (the host reads `kind` and `retryAfterMs` back with the SDK). */
function runFailure(kind: ErrorKind, message: string, retryAfterMs?: number): Error {
  if (kind === 'retryable') return new RetryableError(message, { retryAfterMs });
  return kind === 'config' ? new ConfigError(message) : new PermanentError(message);
}

/** The plugin config: stored public fields plus the decrypted secret fields. */
export function destinationConfig(dest: DestinationRecord, secrets: SecretBox): Record<string, unknown> {
  const secret = dest.secretConfig ? (JSON.parse(secrets.open(dest.secretConfig)) as Record<string, unknown>) : {};
  return { ...dest.config, ...secret };
}

/**
 * Executes one claimed run of one destination: reads the window (from the cursor snapshot to a
 * new one) from the store in bounded batches, hands them to the plugin (which stages and merges them in the
 * warehouse), rewrites the lookup tables when the definitions changed, sends one chunk of an open
 * backfill (after the window: server/sync/backfill.ts), and only then moves the cursors.
 * Retryable failures are retried inside the run with backoff; the host owns retries, plugins
 * only classify. An empty window with unchanged definitions and no backfill sends the warehouse
 * nothing.
 */
export async function executeRun(
  deps: SyncDeps,
  dest: DestinationRecord,
  run: SyncRunRecord,
  owner: string,
  stop?: AbortSignal,
): Promise<SyncRunRecord['status']> {
  const started = new Date();
  const guard = guardRun(deps, dest, owner, stop);
  const progress: RunProgress = { attempts: 0, statements: 0, backfillId: undefined };
  try {
    const plan = await planRun(deps, dest, run, owner, started, progress);
    const sent = plan.needsLoad ? await loadWithRetries(deps, dest, plan, guard, progress) : NOTHING_SENT;
    await recordSuccess(deps, dest, run, owner, started, plan, sent, progress);
    return 'succeeded';
  } catch (error) {
    await recordFailure(deps, dest, run, owner, started, error, guard, progress);
    return 'failed';
  } finally {
    guard.end();
  }
}

/** What a run counts as it goes, for its record whether it succeeds or fails. */
interface RunProgress {
  /** Attempts at loading the warehouse (0: there was nothing to send). */
  attempts: number;
  /** Statements the plugin ran. */
  statements: number;
  /** The destination's open backfill, once read. */
  backfillId: string | undefined;
}

/** The limits a run runs under: its timeout, the instance stopping, and its lease. */
interface RunGuard {
  /** Aborted on timeout, on stop, or when the lease is lost. */
  signal: AbortSignal;
  /** Resolves when `signal` aborts. */
  aborted: Promise<void>;
  /** The work, or a rejection as soon as the instance stops (a plugin ignoring the abort is not waited for). */
  orStop<T>(work: Promise<T>): Promise<T>;
  /** The heartbeat found the lease held by another instance. */
  leaseLost(): boolean;
  /** The instance is stopping (scheduler.stop past its grace). */
  interrupted(): boolean;
  end(): void;
}

/**
 * Arms a run's timeout and heartbeat. When the instance stops, the run ends now, released at once
 * for another instance, as failed but not counted as a failure of the destination.
 */
function guardRun(deps: SyncDeps, dest: DestinationRecord, owner: string, stop: AbortSignal | undefined): RunGuard {
  const { options } = deps;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`the run took longer than ${options.runTimeoutMs} ms`)), options.runTimeoutMs);
  let leaseLost = false;
  const onStop = () => timeout.abort(new Error('the server instance stopped during the run; the next run continues from the same cursor'));
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  const aborted = new Promise<void>((resolve) => timeout.signal.addEventListener('abort', () => resolve(), { once: true }));
  const stopped = new Promise<never>((_, reject) => aborted.then(() => stop?.aborted && reject(timeout.signal.reason as Error)));
  stopped.catch(() => {});
  const heartbeat = setInterval(
    () => {
      renewLease(deps.db, dest.id, owner, options.leaseMs).then(
        (held) => {
          if (!held) {
            leaseLost = true;
            timeout.abort(new Error('the lease was lost to another instance'));
          }
        },
        () => {},
      );
    },
    Math.max(1_000, Math.floor(options.leaseMs / 3)),
  );
  return {
    signal: timeout.signal,
    aborted,
    orStop: (work) => Promise.race([work, stopped]),
    leaseLost: () => leaseLost,
    interrupted: () => stop?.aborted === true,
    end() {
      clearTimeout(timer);
      clearInterval(heartbeat);
      stop?.removeEventListener('abort', onStop);
    },
  };
}

/** What a run sends, decided before it connects. */
interface RunPlan {
  plugin: InstalledPlugin;
  config: Record<string, unknown>;
  /** The window's end: the destination's cursor once the run succeeds. */
  to: string;
  window: ChangeWindow;
  hasRows: boolean;
  definitions: DefinitionTables;
  definitionsHash: string;
  definitionsChanged: boolean;
  /** Deletion requests recorded before the window's end snapshot. */
  deletions: { requestId: string; deviceIds: string[] }[];
  loadOptions: { deleteDeviceIds: string[] } | undefined;
  /** Whether the warehouse has anything to do: rows, definitions, a backfill or deletions. */
  needsLoad: boolean;
}

/**
 * Marks the run running and decides what it sends: the window from the cursor to a new
 * snapshot, the definitions when they changed, the deletions the destination can apply (the
 * others are marked unsupported), the open backfill.
 */
async function planRun(
  deps: SyncDeps,
  dest: DestinationRecord,
  run: SyncRunRecord,
  owner: string,
  started: Date,
  progress: RunProgress,
): Promise<RunPlan> {
  const { db } = deps;
  // Deletion requests recorded before the window's end snapshot: the store had removed their
  // rows before this window reads it, so deleting first and merging the window after is exact.
  const deletions = await pendingDeletions(db, dest.id);
  const to = await changeSnapshot(db);
  const from = dest.cursorSnapshot ?? to;
  await updateSyncRun(db, run.id, { status: 'running', startedTime: started, windowFrom: from, windowTo: to, runner: owner });
  progress.backfillId = (await findOpenBackfill(db, dest.id))?.run.id;
  const plugin = deps.registry.get(dest.pluginId);
  if (!plugin) throw new ConfigError(`the destination plugin "${dest.pluginId}" is not installed`);
  let config: Record<string, unknown>;
  try {
    // a secret dropped with a target change is named as such, not as a config the plugin refuses
    requireSecrets(dest);
    config = parseDestinationConfig(plugin.definition, destinationConfig(dest, deps.secrets));
  } catch (error) {
    throw new ConfigError(errorMessage(error));
  }
  const definitions = await deps.lookupTables(dest.orgId);
  const definitionsHash = createHash('sha256').update(JSON.stringify(definitions)).digest('hex');
  // Read after the window's end snapshot: an event it holds was captured before that instant,
  // so a period closed after this read cannot leave out an event this window sends.
  const ranges = windowRanges(await listDestinationPeriods(db, [dest.id]), EVENT_TYPES);
  const window: ChangeWindow = { orgId: dest.orgId, from, to, ranges };
  const hasRows = await windowHasChanges(db, window);
  const definitionsChanged = definitionsHash !== dest.definitionsHash;
  const deletes = plugin.definition.capabilities?.deleteDevices === true;
  if (deletions.length > 0 && !deletes) {
    // reported, never skipped silently: the API shows these requests as unsupported here
    await settleDeletions(
      db,
      dest.id,
      deletions.map((d) => d.requestId),
      { status: 'unsupported', at: new Date() },
    );
    deps.log.warn(
      { destination: dest.id, plugin: dest.pluginId, requests: deletions.length },
      'sync: the destination cannot delete devices; deletion requests marked unsupported',
    );
  }
  const deleteDeviceIds = deletes ? [...new Set(deletions.flatMap((d) => d.deviceIds))] : [];
  const loadOptions = deleteDeviceIds.length > 0 ? { deleteDeviceIds } : undefined;
  const needsLoad = hasRows || definitionsChanged || progress.backfillId !== undefined || loadOptions !== undefined;
  return { plugin, config, to, window, hasRows, definitions, definitionsHash, definitionsChanged, deletions, loadOptions, needsLoad };
}

/** What an attempt sent: rows and bytes of the window, the plugin's merge result, the backfill chunk. */
interface Sent {
  rows: number;
  bytes: number;
  merged: LoadResult | undefined;
  chunk: (BackfillChunkPlan & { rows: number; bytes: number }) | undefined;
}

const NOTHING_SENT: Sent = { rows: 0, bytes: 0, merged: undefined, chunk: undefined };

/** The cap of the quick retries within a run; a longer wait is for a later run. */
const IN_RUN_RETRY_CAP_MS = 60_000;

/**
 * Sends the plan, retrying retryable failures inside the run with backoff (the host owns
 * retries, plugins only classify). A failure that is not retryable, the last attempt, an abort,
 * or a wait the warehouse asks for that is longer than a quick retry fails the run.
 */
async function loadWithRetries(
  deps: SyncDeps,
  dest: DestinationRecord,
  plan: RunPlan,
  guard: RunGuard,
  progress: RunProgress,
): Promise<Sent> {
  const { options } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  for (;;) {
    progress.attempts++;
    const opened: { connection?: DestinationConnection } = {};
    try {
      guard.signal.throwIfAborted();
      // a plugin that ignores the abort is not waited for when the instance stops (its connection is closed below)
      return await guard.orStop(sendPlan(deps, dest, plan, guard.signal, progress, opened));
    } catch (error) {
      const kind = guard.signal.aborted ? 'retryable' : classifyError(error);
      const inRunDelay = retryDelayMs(progress.attempts, { baseMs: Math.min(options.retryBaseMs, 5_000), capMs: IN_RUN_RETRY_CAP_MS });
      const asked = retryAfterMsOf(error);
      // a wait longer than a quick retry (a quota, a resuming cluster) is for a later run
      if (kind !== 'retryable' || progress.attempts >= options.attemptsPerRun || guard.signal.aborted || (asked ?? 0) > inRunDelay) {
        throw runFailure(kind, guard.signal.aborted ? errorMessage(guard.signal.reason) : errorMessage(error), asked);
      }
      await Promise.race([sleep(inRunDelay), guard.aborted]);
    } finally {
      await guard.orStop(opened.connection?.close() ?? Promise.resolve()).catch(() => {});
    }
  }
}

/**
 * One attempt: connects through the target checks, makes sure of the tables, merges the window
 * (and applies the deletions), rewrites the lookup tables when the definitions changed, then
 * sends one chunk of the open backfill. `opened` holds the connection for the caller to close.
 */
async function sendPlan(
  deps: SyncDeps,
  dest: DestinationRecord,
  plan: RunPlan,
  signal: AbortSignal,
  progress: RunProgress,
  opened: { connection?: DestinationConnection },
): Promise<Sent> {
  const { db, options } = deps;
  const sent: Sent = { ...NOTHING_SENT };
  const count = (n: number, b: number) => {
    sent.rows += n;
    sent.bytes += b;
  };
  // through the target checks (host policy, DNS, files), never the plugin directly
  const connection = (opened.connection = await deps.targets.connect(plan.plugin, dest, plan.config, {
    logger: pluginLogger(deps.log, dest),
    signal,
    onStatement: () => progress.statements++,
  }));
  if (dest.tablesVersion !== plan.plugin.definition.version) await connection.ensureTables();
  if (plan.hasRows) {
    // Straight from a COPY of the store to the plugin when both sides speak COPY text:
    // the rows are never decoded into objects. Otherwise as row objects, page by page.
    sent.merged =
      connection.loadEventsCopyText && db.copyOut
        ? await connection.loadEventsCopyText(copyTextChunks(copyChangedRows(db, plan.window), count), plan.loadOptions)
        : await connection.loadEvents(
            streamPages<ChangedRow>(
              (after) =>
                readChangedRows(db, {
                  ...plan.window,
                  limit: options.batchSize,
                  after: after && { xid: after.change_xid, eventId: after.event_id },
                }),
              options.batchSize,
              count,
            ),
            plan.loadOptions,
          );
  } else if (plan.loadOptions) {
    sent.merged = await connection.loadEvents(noRows(), plan.loadOptions);
  }
  if (plan.definitionsChanged) await connection.replaceDefinitions(plan.definitions);
  // Only after the window is merged, each attempt anew: see planBackfillChunk.
  const open = progress.backfillId ? await findOpenBackfill(db, dest.id) : undefined;
  const chunk = open && (await planBackfillChunk(db, open, options.backfillChunkRows));
  if (chunk) {
    const chunkSent = { ...chunk, rows: 0, bytes: 0 };
    await loadBackfillChunk(db, connection, chunk.range, options.batchSize, (n, b) => {
      chunkSent.rows += n;
      chunkSent.bytes += b;
    });
    sent.chunk = chunkSent;
  }
  return sent;
}

/**
 * Moves the cursor (and the backfill's) only if the lease is still held, settles the deletions
 * it applied, and records the run. A lease lost by then fails the run as retryable.
 */
async function recordSuccess(
  deps: SyncDeps,
  dest: DestinationRecord,
  run: SyncRunRecord,
  owner: string,
  started: Date,
  plan: RunPlan,
  sent: Sent,
  progress: RunProgress,
): Promise<void> {
  const { db } = deps;
  const { chunk, merged, rows, bytes } = sent;
  const finished = new Date();
  const released = await db.transaction(async (tx) => {
    const held = await releaseDestination(
      tx,
      dest.id,
      owner,
      {
        cursorSnapshot: plan.to,
        lastSuccessTime: finished,
        consecutiveFailures: 0,
        lastError: null,
        lastErrorKind: null,
        // while a backfill has rows left, its next chunk goes at the next tick
        nextRunTime: chunk && !chunk.last ? finished : nextBoundary(finished, dest.intervalMinutes),
        ...(progress.attempts > 0 ? { tablesVersion: plan.plugin.definition.version, definitionsHash: plan.definitionsHash } : {}),
      },
      started,
    );
    if (held && chunk)
      await completeBackfillChunk(tx, chunk.backfillId, { until: chunk.range.until, rows: chunk.rows, bytes: chunk.bytes });
    return held;
  });
  if (!released) throw new RetryableError('the lease was lost to another instance before the cursor moved');
  if (plan.loadOptions) {
    await settleDeletions(
      db,
      dest.id,
      plan.deletions.map((d) => d.requestId),
      { status: 'done', rowsDeleted: merged?.rowsDeleted ?? null, at: finished },
    );
  }
  await updateSyncRun(db, run.id, {
    status: 'succeeded',
    rows,
    bytes,
    statements: progress.statements,
    attempts: progress.attempts,
    finishedTime: finished,
    durationMs: finished.getTime() - started.getTime(),
    details: {
      definitionsWritten: plan.definitionsChanged && progress.attempts > 0,
      emptyWindow: !plan.hasRows,
      ...(merged?.mergedEventTimeRange ? { mergedEventTimeRange: merged.mergedEventTimeRange } : {}),
      ...(plan.loadOptions ? { deletionRequests: plan.deletions.length, rowsDeleted: merged?.rowsDeleted ?? null } : {}),
      ...(chunk ? { backfill: { id: chunk.backfillId, rows: chunk.rows, sentUntil: chunk.range.until.toISOString() } } : {}),
    },
  });
  deps.metrics.syncRun(dest, 'succeeded', (finished.getTime() - started.getTime()) / 1000, rows);
  deps.log.info(
    { destination: dest.id, plugin: dest.pluginId, run: run.id, rows, bytes, ms: finished.getTime() - started.getTime() },
    'sync run succeeded',
  );
}

/**
 * Records a failed run: the destination backs off (retryable: soon, with backoff and at least
 * the wait the warehouse asked for; permanent or config: until the next regular run, or a config
 * change, which schedules one at once). An interrupted run is released at once and not counted.
 */
async function recordFailure(
  deps: SyncDeps,
  dest: DestinationRecord,
  run: SyncRunRecord,
  owner: string,
  started: Date,
  error: unknown,
  guard: RunGuard,
  progress: RunProgress,
): Promise<void> {
  const { db, options } = deps;
  const kind = classifyError(error);
  const message = errorMessage(error);
  const finished = new Date();
  const interrupted = guard.interrupted();
  const failures = interrupted ? dest.consecutiveFailures : dest.consecutiveFailures + 1;
  if (!guard.leaseLost()) {
    const backoffMs = Math.max(
      retryDelayMs(failures, { baseMs: options.retryBaseMs, capMs: dest.intervalMinutes * 60_000 }),
      retryAfterMsOf(error) ?? 0,
    );
    await releaseDestination(
      db,
      dest.id,
      owner,
      {
        consecutiveFailures: failures,
        lastError: message,
        lastErrorKind: kind,
        nextRunTime: interrupted
          ? finished
          : kind === 'retryable'
            ? new Date(finished.getTime() + backoffMs)
            : nextBoundary(finished, dest.intervalMinutes),
      },
      started,
    );
  }
  if (progress.backfillId) await recordBackfillError(db, progress.backfillId, message, kind);
  await updateSyncRun(db, run.id, {
    status: 'failed',
    statements: progress.statements,
    attempts: progress.attempts,
    finishedTime: finished,
    durationMs: finished.getTime() - started.getTime(),
    error: message,
    errorKind: kind,
    details: {
      failing: !interrupted && (kind !== 'retryable' || failures >= FAILING_AFTER),
      ...(interrupted ? { interrupted: true } : {}),
    },
  });
  // the message is the run's recorded error, the one the API shows (plugins keep secrets out of it)
  deps.metrics.syncRun(dest, 'failed', (finished.getTime() - started.getTime()) / 1000, 0);
  deps.log.warn({ destination: dest.id, plugin: dest.pluginId, run: run.id, errorKind: kind, error: message, failures }, 'sync run failed');
}

async function* noRows(): AsyncGenerator<EventRow[]> {
  // a load with no rows: it only deletes
}

/** Sends a backfill chunk's rows: straight from a COPY when both sides speak COPY text, as the window. */
async function loadBackfillChunk(
  db: Database,
  connection: DestinationConnection,
  range: BackfillRange,
  batchSize: number,
  count: (rows: number, bytes: number) => void,
): Promise<LoadResult> {
  if (connection.loadEventsCopyText && db.copyOut) return connection.loadEventsCopyText(copyTextChunks(copyBackfillRows(db, range), count));
  return connection.loadEvents(
    streamPages<BackfillRow>(
      (after) =>
        readBackfillRows(db, {
          ...range,
          limit: batchSize,
          after: after && { capturedTime: after.captured_time, eventId: after.event_id },
        }),
      batchSize,
      count,
    ),
  );
}

/**
 * Pages read in order (`read` gives the page after a row) as a lazy stream of batches of plain
 * `EventRow`s (the position columns dropped). The next page is read while the plugin writes the
 * current one, so at most two pages are in memory, whatever the size of the window or chunk.
 */
async function* streamPages<R extends EventRow>(
  read: (after?: R) => Promise<R[]>,
  batchSize: number,
  count: (rows: number, bytes: number) => void,
): AsyncGenerator<EventRow[]> {
  let page = await read();
  while (page.length > 0) {
    const prefetch = page.length < batchSize ? null : read(page[page.length - 1]);
    // a rejected prefetch is awaited (and thrown) below; never leave it unhandled meanwhile
    prefetch?.catch(() => {});
    let bytes = 0;
    for (const r of page) bytes += (r.event_properties?.length ?? 0) + (r.source_properties?.length ?? 0) + 200;
    count(page.length, bytes);
    yield page.map(toEventRow);
    if (!prefetch) return;
    page = await prefetch;
  }
}

/** The row without its position in the read order. */
function toEventRow(row: EventRow & { change_xid?: string; captured_time?: string }): EventRow {
  const { change_xid: _x, captured_time: _c, ...eventRow } = row;
  return eventRow;
}

/**
 * The COPY of the window as the plugin's chunks: `copyOut` already hands on whole rows, about
 * 1 MB at a time; this counts them by their terminating newline (newlines inside values are
 * escaped).
 */
async function* copyTextChunks(source: AsyncIterable<Buffer>, count: (rows: number, bytes: number) => void): AsyncGenerator<CopyTextChunk> {
  for await (const text of source) {
    if (text.length === 0) continue;
    if (text[text.length - 1] !== 10) throw new Error('the COPY of the window ended inside a row');
    let rows = 0;
    for (let i = text.indexOf(10); i !== -1; i = text.indexOf(10, i + 1)) rows++;
    count(rows, text.length);
    yield { text, rows };
  }
}

/** The logger a plugin gets: lines tagged with its destination; its fields under `plugin_fields`, never merged over ours. */
function pluginLogger(log: Logger, dest: DestinationRecord) {
  const child = log.child({ destination: dest.id, plugin: dest.pluginId });
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) =>
    fields ? child[level]({ plugin_fields: fields }, message) : child[level](message);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
