import { createHash } from 'node:crypto';
import {
  classifyError,
  errorMessage,
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
import { EVENT_TYPES } from '../processing/event-types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
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

class RunError extends Error {
  readonly kind: ErrorKind;
  /** The wait the warehouse asked for before the next attempt (RetryableError.retryAfterMs). */
  readonly retryAfterMs: number | undefined;
  constructor(message: string, kind: ErrorKind, retryAfterMs?: number) {
    super(message);
    this.kind = kind;
    this.retryAfterMs = retryAfterMs;
  }
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
export async function executeRun(deps: SyncDeps, dest: DestinationRecord, run: SyncRunRecord, owner: string, stop?: AbortSignal): Promise<SyncRunRecord['status']> {
  const { db, options } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const started = new Date();
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new Error(`the run took longer than ${options.runTimeoutMs} ms`)), options.runTimeoutMs);
  let leaseLost = false;
  // The instance is stopping (scheduler.stop past its grace): the run ends now, released at once
  // for another instance, as failed but not counted as a failure of the destination.
  const onStop = () => timeout.abort(new Error('the server instance stopped during the run; the next run continues from the same cursor'));
  if (stop?.aborted) onStop();
  else stop?.addEventListener('abort', onStop, { once: true });
  const aborted = new Promise<void>((resolve) => timeout.signal.addEventListener('abort', () => resolve(), { once: true }));
  const stopped = new Promise<never>((_, reject) => aborted.then(() => stop?.aborted && reject(timeout.signal.reason as Error)));
  stopped.catch(() => {});
  const orStop = <T>(work: Promise<T>): Promise<T> => Promise.race([work, stopped]);
  const heartbeat = setInterval(() => {
    renewLease(db, dest.id, owner, options.leaseMs).then(
      (held) => {
        if (!held) {
          leaseLost = true;
          timeout.abort(new Error('the lease was lost to another instance'));
        }
      },
      () => {},
    );
  }, Math.max(1_000, Math.floor(options.leaseMs / 3)));

  let attempts = 0;
  let statements = 0;
  let backfillId: string | undefined;
  try {
    // Deletion requests recorded before the window's end snapshot: the store had removed their
    // rows before this window reads it, so deleting first and merging the window after is exact.
    const deletions = await pendingDeletions(db, dest.id);
    const to = await changeSnapshot(db);
    const from = dest.cursorSnapshot ?? to;
    await updateSyncRun(db, run.id, { status: 'running', startedTime: started, windowFrom: from, windowTo: to, runner: owner });
    backfillId = (await findOpenBackfill(db, dest.id))?.run.id;
    const plugin = deps.registry.get(dest.pluginId);
    if (!plugin) throw new RunError(`the destination plugin "${dest.pluginId}" is not installed`, 'config');
    let config: Record<string, unknown>;
    try {
      // a secret dropped with a target change is named as such, not as a config the plugin refuses
      requireSecrets(dest);
      config = parseDestinationConfig(plugin.definition, destinationConfig(dest, deps.secrets));
    } catch (error) {
      throw new RunError(errorMessage(error), 'config');
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
      await settleDeletions(db, dest.id, deletions.map((d) => d.requestId), { status: 'unsupported', at: new Date() });
      deps.log.warn({ destination: dest.id, plugin: dest.pluginId, requests: deletions.length }, 'sync: the destination cannot delete devices; deletion requests marked unsupported');
    }
    const deleteDeviceIds = deletes ? [...new Set(deletions.flatMap((d) => d.deviceIds))] : [];
    const loadOptions = deleteDeviceIds.length > 0 ? { deleteDeviceIds } : undefined;

    let rows = 0;
    let bytes = 0;
    let merged: LoadResult | undefined;
    let chunk: (BackfillChunkPlan & { rows: number; bytes: number }) | undefined;
    if (hasRows || definitionsChanged || backfillId || loadOptions) {
      for (;;) {
        attempts++;
        rows = 0;
        bytes = 0;
        chunk = undefined;
        let connection: DestinationConnection | undefined;
        try {
          timeout.signal.throwIfAborted();
          // a plugin that ignores the abort is not waited for when the instance stops (its connection is closed below)
          await orStop(
            (async () => {
              // through the target checks (host policy, DNS, files), never the plugin directly
              connection = await deps.targets.connect(plugin, dest, config, {
                logger: pluginLogger(deps.log, dest),
                signal: timeout.signal,
                onStatement: () => statements++,
              });
              if (dest.tablesVersion !== plugin.definition.version) await connection.ensureTables();
              if (hasRows) {
                const count = (n: number, b: number) => {
                  rows += n;
                  bytes += b;
                };
                // Straight from a COPY of the store to the plugin when both sides speak COPY text:
                // the rows are never decoded into objects. Otherwise as row objects, page by page.
                merged =
                  connection.loadEventsCopyText && db.copyOut
                    ? await connection.loadEventsCopyText(copyTextChunks(copyChangedRows(db, window), count), loadOptions)
                    : await connection.loadEvents(
                        streamPages<ChangedRow>(
                          (after) => readChangedRows(db, { ...window, limit: options.batchSize, after: after && { xid: after.change_xid, eventId: after.event_id } }),
                          options.batchSize,
                          count,
                        ),
                        loadOptions,
                      );
              } else if (loadOptions) {
                merged = await connection.loadEvents(noRows(), loadOptions);
              }
              if (definitionsChanged) await connection.replaceDefinitions(definitions);
              // Only after the window is merged, each attempt anew: see planBackfillChunk.
              const open = backfillId ? await findOpenBackfill(db, dest.id) : undefined;
              const plan = open && (await planBackfillChunk(db, open, options.backfillChunkRows));
              if (plan) {
                const sent = { ...plan, rows: 0, bytes: 0 };
                await loadBackfillChunk(db, connection, plan.range, options.batchSize, (n, b) => {
                  sent.rows += n;
                  sent.bytes += b;
                });
                chunk = sent;
              }
            })(),
          );
          break;
        } catch (error) {
          const kind = timeout.signal.aborted ? 'retryable' : classifyError(error);
          const inRunDelay = retryDelayMs(attempts, Math.min(options.retryBaseMs, 5_000), 1);
          const asked = retryAfterMsOf(error);
          // a wait longer than a quick retry (a quota, a resuming cluster) is for a later run
          if (kind !== 'retryable' || attempts >= options.attemptsPerRun || timeout.signal.aborted || (asked ?? 0) > inRunDelay) {
            throw new RunError(timeout.signal.aborted ? errorMessage(timeout.signal.reason) : errorMessage(error), kind, asked);
          }
          await Promise.race([sleep(inRunDelay), aborted]);
        } finally {
          await orStop(connection?.close() ?? Promise.resolve()).catch(() => {});
        }
      }
    }

    const finished = new Date();
    const released = await db.transaction(async (tx) => {
      const held = await releaseDestination(tx, dest.id, owner, {
        cursorSnapshot: to,
        lastSuccessTime: finished,
        consecutiveFailures: 0,
        lastError: null,
        lastErrorKind: null,
        // while a backfill has rows left, its next chunk goes at the next tick
        nextRunTime: chunk && !chunk.last ? finished : nextBoundary(finished, dest.intervalMinutes),
        ...(attempts > 0 ? { tablesVersion: plugin.definition.version, definitionsHash } : {}),
      }, started);
      if (held && chunk) await completeBackfillChunk(tx, chunk.backfillId, { until: chunk.range.until, rows: chunk.rows, bytes: chunk.bytes });
      return held;
    });
    if (!released) throw new RunError('the lease was lost to another instance before the cursor moved', 'retryable');
    if (loadOptions) {
      await settleDeletions(db, dest.id, deletions.map((d) => d.requestId), { status: 'done', rowsDeleted: merged?.rowsDeleted ?? null, at: finished });
    }
    await updateSyncRun(db, run.id, {
      status: 'succeeded',
      rows,
      bytes,
      statements,
      attempts,
      finishedTime: finished,
      durationMs: finished.getTime() - started.getTime(),
      details: {
        definitionsWritten: definitionsChanged && attempts > 0,
        emptyWindow: !hasRows,
        ...(merged?.mergedEventTimeRange ? { mergedEventTimeRange: merged.mergedEventTimeRange } : {}),
        ...(loadOptions ? { deletionRequests: deletions.length, rowsDeleted: merged?.rowsDeleted ?? null } : {}),
        ...(chunk ? { backfill: { id: chunk.backfillId, rows: chunk.rows, sentUntil: chunk.range.until.toISOString() } } : {}),
      },
    });
    deps.metrics.syncRun(dest, 'succeeded', (finished.getTime() - started.getTime()) / 1000, rows);
    deps.log.info({ destination: dest.id, plugin: dest.pluginId, run: run.id, rows, bytes, ms: finished.getTime() - started.getTime() }, 'sync run succeeded');
    return 'succeeded';
  } catch (error) {
    const kind: ErrorKind = error instanceof RunError ? error.kind : classifyError(error);
    const message = error instanceof RunError ? error.message : errorMessage(error);
    const finished = new Date();
    const interrupted = stop?.aborted === true;
    const failures = interrupted ? dest.consecutiveFailures : dest.consecutiveFailures + 1;
    if (!leaseLost) {
      await releaseDestination(db, dest.id, owner, {
        consecutiveFailures: failures,
        lastError: message,
        lastErrorKind: kind,
        // retryable: back off and try again soon; permanent or config: wait for the next regular
        // run (or a config change, which schedules one at once)
        nextRunTime: interrupted
          ? finished
          : kind === 'retryable'
            ? new Date(
                finished.getTime() +
                  Math.max(retryDelayMs(failures, options.retryBaseMs, dest.intervalMinutes), error instanceof RunError ? (error.retryAfterMs ?? 0) : 0),
              )
            : nextBoundary(finished, dest.intervalMinutes),
      }, started);
    }
    if (backfillId) await recordBackfillError(db, backfillId, message, kind);
    await updateSyncRun(db, run.id, {
      status: 'failed',
      statements,
      attempts,
      finishedTime: finished,
      durationMs: finished.getTime() - started.getTime(),
      error: message,
      errorKind: kind,
      details: { failing: !interrupted && (kind !== 'retryable' || failures >= FAILING_AFTER), ...(interrupted ? { interrupted: true } : {}) },
    });
    // the message is the run's recorded error, the one the API shows (plugins keep secrets out of it)
    deps.metrics.syncRun(dest, 'failed', (finished.getTime() - started.getTime()) / 1000, 0);
    deps.log.warn({ destination: dest.id, plugin: dest.pluginId, run: run.id, errorKind: kind, error: message, failures }, 'sync run failed');
    return 'failed';
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    stop?.removeEventListener('abort', onStop);
  }
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
      (after) => readBackfillRows(db, { ...range, limit: batchSize, after: after && { capturedTime: after.captured_time, eventId: after.event_id } }),
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
