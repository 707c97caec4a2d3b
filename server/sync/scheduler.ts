import { randomUUID } from 'node:crypto';
import os from 'node:os';
import PQueue from 'p-queue';
import {
  claimDueDestinations,
  failAbandonedRuns,
  findQueuedRun,
  insertSyncRun,
  type DestinationRecord,
} from '../db/queries/destinations.ts';
import { executeRun, type SyncDeps } from './run-sync.ts';

/**
 * The in-process sync scheduler. Every tick it claims due destinations with a lease in Postgres
 * (so several server instances on one database run each due sync exactly once) and runs them on
 * a p-queue with bounded concurrency: a slow or failing destination holds one slot and never
 * delays the others beyond that. A crashed instance's lease expires and another takes over.
 */
export function createSyncScheduler(deps: SyncDeps, options: { concurrency: number; tickMs?: number; owner?: string }) {
  const owner = options.owner ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const queue = new PQueue({ concurrency: options.concurrency });
  const running = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let ticking: Promise<number> | null = null;
  let stopping: Promise<void> | null = null;
  // aborted when stop()'s grace is over: runs still going end and release their destinations
  const interrupt = new AbortController();

  async function runClaimed(dest: DestinationRecord): Promise<void> {
    try {
      await failAbandonedRuns(deps.db, dest.id, 'the instance running this sync stopped before it finished; the next run catches up');
      const run =
        (await findQueuedRun(deps.db, dest.id)) ??
        (await insertSyncRun(deps.db, { destinationId: dest.id, orgId: dest.orgId, status: 'queued', trigger: 'schedule' }));
      await executeRun(deps, dest, run, owner, interrupt.signal);
    } catch (error) {
      deps.log.error({ err: error, destination: dest.id }, 'sync failed unexpectedly');
    } finally {
      running.delete(dest.id);
    }
  }

  /** Claims what is due (up to the free slots) and queues it; returns how many were claimed. */
  async function tick(): Promise<number> {
    if (stopping) return 0;
    const free = options.concurrency - queue.pending - queue.size;
    if (free <= 0) return 0;
    const claimed = await claimDueDestinations(deps.db, owner, free, deps.options.leaseMs);
    for (const dest of claimed) {
      running.add(dest.id);
      void queue.add(() => runClaimed(dest));
    }
    return claimed.length;
  }

  function guardedTick(): Promise<number> {
    ticking ??= tick()
      .catch((err: unknown) => {
        deps.log.error({ err }, 'sync scheduler tick failed');
        return 0;
      })
      .finally(() => {
        ticking = null;
      });
    return ticking;
  }

  return {
    owner,
    start() {
      if (timer) return;
      timer = setInterval(() => void guardedTick(), options.tickMs ?? 5_000);
      timer.unref();
      void guardedTick();
    },
    /** Claims and runs everything due now, and waits until those runs end. */
    async runDue(): Promise<void> {
      await guardedTick();
      await queue.onIdle();
    },
    /** Asks for a tick now (after "sync now"), without waiting for the run. */
    kick() {
      void guardedTick();
    },
    /**
     * Claims nothing more and waits for the runs in progress; those still going after `graceMs`
     * are interrupted: marked failed (not counted against their destination) and released for the
     * next tick of any instance. Every call waits for the same stop.
     */
    stop(graceMs = Number.POSITIVE_INFINITY): Promise<void> {
      stopping ??= (async () => {
        if (timer) clearInterval(timer);
        timer = null;
        await ticking;
        const grace = Number.isFinite(graceMs) ? setTimeout(() => interrupt.abort(), graceMs) : undefined;
        await queue.onIdle();
        clearTimeout(grace);
      })();
      return stopping;
    },
  };
}
export type SyncScheduler = ReturnType<typeof createSyncScheduler>;
