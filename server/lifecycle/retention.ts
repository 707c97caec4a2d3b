import type { Database } from '../db/client.ts';
import { findOpenBackfill } from '../db/queries/backfills.ts';
import { listDestinationPeriods } from '../db/queries/destinations.ts';
import {
  countUnsyncedRows,
  forgetIdleState,
  listRetentionDestinations,
  recordMiss,
  type RetentionDestination,
} from '../db/queries/retention.ts';
import type { Logger } from '../log.ts';
import { periodsLiteral } from '../sync/periods.ts';
import type { EventPartition, EventPartitions } from './partitions.ts';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** Partitions whose capture times are all older than this may go, once every enabled destination synced them. */
  retentionMs: number;
  /** Past this age a partition goes whatever a destination still lacks (recorded as a miss). */
  maxMs: number;
}

/** What one retention pass did. */
export interface RetentionReport {
  dropped: string[];
  /** Partitions kept past the retention period, with the enabled destinations holding them. */
  held: { partition: string; destinations: string[] }[];
  misses: { destinationId: string; partition: string; rows: number }[];
  /** Rows of per-view, per-session and per-job state forgotten. */
  forgotten: number;
  /** Events of views stored since the last pass though timed before the oldest retained capture day. */
  lateBeyondRetention: number;
}

/**
 * Keeps the event store bounded (README "Retention"). Once an hour, and on demand:
 * creates the partitions of the next days; drops every partition older than the retention
 * period that no enabled destination still needs (each has synced every change of its rows, and
 * no open backfill of it has still to send rows of it),
 * and past the ceiling drops it anyway, recording for each destination what it had not synced;
 * forgets per-view, per-session and per-job state idle past the ceiling. Dropping is DETACH …
 * CONCURRENTLY then DROP: writers of the other partitions never wait. Several instances may run
 * it: each step is idempotent.
 */
export function createRetention(deps: {
  db: Database;
  partitions: EventPartitions;
  policy: RetentionPolicy;
  clock: () => number;
  log: Logger;
  /** Reads and resets the writer's count of events timed before the retained store. */
  lateBeyondRetention?: () => number;
  intervalMs?: number;
}) {
  const { db, partitions, policy, clock } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<RetentionReport> | null = null;

  /** The capture times a destination gets (live rows or tombstones): every period of it. */
  async function capturedBy(dest: RetentionDestination): Promise<string> {
    return periodsLiteral(await listDestinationPeriods(db, [dest.id]));
  }

  async function pass(): Promise<RetentionReport> {
    const now = clock();
    const report: RetentionReport = {
      dropped: [],
      held: [],
      misses: [],
      forgotten: 0,
      lateBeyondRetention: deps.lateBeyondRetention?.() ?? 0,
    };
    if (report.lateBeyondRetention > 0) {
      deps.log.warn(
        { events: report.lateBeyondRetention },
        'retention: late events timed before the oldest day the store keeps were stored, ordered only against what it kept',
      );
    }
    await partitions.cover([now, now + DAY_MS, now + 2 * DAY_MS]);
    const old = (await partitions.list()).filter((p) => p.to.getTime() <= now - policy.retentionMs);
    if (old.length > 0) {
      const destinations = await listRetentionDestinations(db);
      const captured = new Map<string, string>();
      for (const dest of destinations) captured.set(dest.id, await capturedBy(dest));
      for (const partition of old) await retire(partition, destinations, captured, now, report);
    }
    // A view's state is what recognises replays of its events: it is forgotten only once every
    // partition that could hold them is gone (a view seen before now - max - 1 day has all its
    // events in partitions dropped by the ceiling).
    report.forgotten = await forgetIdleState(db, new Date(now - policy.maxMs - DAY_MS));
    return report;
  }

  /** Whether an open backfill of the destination has still to send rows captured in the partition. */
  async function backfillNeeds(dest: RetentionDestination, partition: EventPartition): Promise<boolean> {
    const open = await findOpenBackfill(db, dest.id);
    if (!open) return false;
    const sentUntil = open.run.sentUntil ?? open.run.captureFrom;
    const to = open.run.captureTo;
    return !!sentUntil && !!to && sentUntil < partition.to && to > (partition.from ?? new Date(0)) && sentUntil < to;
  }

  async function retire(
    partition: EventPartition,
    destinations: RetentionDestination[],
    captured: Map<string, string>,
    now: number,
    report: RetentionReport,
  ): Promise<void> {
    const unsynced = (dest: RetentionDestination, limit: number) => countUnsyncedRows(db, dest, partition, captured.get(dest.id)!, limit);
    const holders: RetentionDestination[] = [];
    for (const dest of destinations.filter((d) => d.enabled)) {
      if ((await unsynced(dest, 1)) > 0 || (await backfillNeeds(dest, partition))) holders.push(dest);
    }
    const pastCeiling = partition.to.getTime() <= now - policy.maxMs;
    if (holders.length > 0 && !pastCeiling) {
      report.held.push({ partition: partition.name, destinations: holders.map((d) => d.id) });
      return;
    }
    // what each destination will never get: recorded before the rows are gone
    for (const dest of destinations) {
      const rows = await unsynced(dest, Number.MAX_SAFE_INTEGER);
      if (rows === 0) continue;
      await recordMiss(db, {
        destinationId: dest.id,
        orgId: dest.orgId,
        capturedFrom: partition.from,
        capturedTo: partition.to,
        rows,
        wasEnabled: dest.enabled,
      });
      report.misses.push({ destinationId: dest.id, partition: partition.name, rows });
      deps.log.warn(
        {
          partition: partition.name,
          rows,
          destination: dest.id,
          reason: dest.enabled ? 'behind past TRIBUTARY_RETENTION_MAX' : 'disabled',
        },
        'retention: dropped a partition with rows a destination had not synced',
      );
    }
    await partitions.drop(partition.name);
    report.dropped.push(partition.name);
  }

  return {
    /** One pass now (runs after any pass in progress). */
    async runOnce(): Promise<RetentionReport> {
      while (running) await running.catch(() => undefined);
      running = pass().finally(() => {
        running = null;
      });
      return running;
    },
    start() {
      if (timer) return;
      const tick = () => {
        void this.runOnce().catch((err: unknown) => deps.log.error({ err }, 'retention pass failed'));
      };
      tick();
      timer = setInterval(tick, deps.intervalMs ?? 3_600_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running?.catch(() => undefined);
    },
  };
}
export type Retention = ReturnType<typeof createRetention>;
