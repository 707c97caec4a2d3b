/**
 * When syncs happen. Pure functions, so the schedule is tested without clocks.
 */

/** The next boundary of the interval after `now`: hourly syncs land on the hour (UTC). */
export function nextBoundary(now: Date, intervalMinutes: number): Date {
  const step = intervalMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / step) * step + step);
}

/**
 * When to retry after `failures` consecutive failures: exponential from `baseMs`, capped at
 * `capMs` (a destination's own interval, say) and an hour, with full jitter in the upper half so
 * that many failing destinations do not retry in lockstep.
 */
export function retryDelayMs(failures: number, backoff: { baseMs: number; capMs: number }, random = Math.random): number {
  const cap = Math.min(backoff.capMs, 3_600_000);
  const exponential = Math.min(cap, backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/** A destination is failing after this many consecutive failed runs, or at once on a permanent error. */
export const FAILING_AFTER = 3;

/** What the API, the metrics and the alerts call a destination's state. */
export const destinationStatus = (d: {
  enabled: boolean;
  consecutiveFailures: number;
  lastErrorKind: string | null;
}): 'DISABLED' | 'FAILING' | 'HEALTHY' =>
  !d.enabled
    ? 'DISABLED'
    : d.consecutiveFailures >= FAILING_AFTER || (d.lastErrorKind && d.lastErrorKind !== 'retryable')
      ? 'FAILING'
      : 'HEALTHY';
