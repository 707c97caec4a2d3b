import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from './db/client.ts';
import { destinationHealth, storeSize } from './db/queries/metrics.ts';
import type { Logger } from './log.ts';
import { destinationStatus } from './sync/schedule.ts';

/**
 * The process's one metrics registry (made in createApp) and the instruments the app records
 * into. Labels are bounded: endpoints are route templates, codes and statuses come from fixed
 * sets, destinations are the operator's own (ids, never events, devices or users). Gauges of the
 * store and of the destinations are read from the database at each scrape, so every instance
 * reports the same values for them: aggregate them with max, not sum.
 */
export function createMetrics(db: Database, log: Logger) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const captureRequests = new Counter({
    name: 'tributary_capture_requests_total',
    help: 'Capture and server API requests answered, by endpoint (route template) and HTTP status',
    labelNames: ['endpoint', 'status'] as const,
    registers,
  });
  const captureEvents = new Counter({
    name: 'tributary_capture_events_total',
    help: 'Events in capture requests, by endpoint and outcome (accepted: stored, replayed or dropped for a deleted device; rejected)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers,
  });
  const rejectedEvents = new Counter({
    name: 'tributary_capture_rejected_events_total',
    help: 'Events refused inside capture requests that were otherwise answered, by error code',
    labelNames: ['code'] as const,
    registers,
  });
  const refusedRequests = new Counter({
    name: 'tributary_capture_refused_requests_total',
    help: 'Capture requests refused as a whole, by error code (UNAUTHENTICATED, BATCH_TOO_LARGE, RATE_LIMITED, UNAVAILABLE…)',
    labelNames: ['code'] as const,
    registers,
  });
  const flushEvents = new Histogram({
    name: 'tributary_store_flush_events',
    help: 'Events per group-commit flush to the event store',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
    registers,
  });
  const flushSeconds = new Histogram({
    name: 'tributary_store_flush_duration_seconds',
    help: 'Time of a group-commit flush, from its start to its commit',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const runSeconds = new Histogram({
    name: 'tributary_sync_run_duration_seconds',
    help: 'Duration of sync runs, by destination and outcome',
    labelNames: ['destination', 'plugin', 'status'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800],
    registers,
  });
  const runRows = new Histogram({
    name: 'tributary_sync_run_rows',
    help: 'Rows sent by successful sync runs, by destination',
    labelNames: ['destination', 'plugin'] as const,
    buckets: [0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000],
    registers,
  });

  const alertAttempts = new Counter({
    name: 'tributary_alert_webhook_attempts_total',
    help: 'Calls of alert webhooks, by event and outcome (delivered; retry: failed, tried again later; failed: the last attempt failed)',
    labelNames: ['event', 'outcome'] as const,
    registers,
  });

  // read from the store at each scrape
  const storeRows = new Gauge({
    name: 'tributary_store_rows',
    help: 'Rows of the event store (from Postgres statistics: live rows tracked, else the last ANALYZE)',
    registers,
  });
  const storeBytes = new Gauge({ name: 'tributary_store_bytes', help: 'Size of the event store on disk, indexes included', registers });
  const labels = ['destination', 'plugin'] as const;
  const lag = new Gauge({
    name: 'tributary_destination_lag_seconds',
    help: 'Age of the snapshot the last successful sync read up to: an upper bound of the age of the oldest change the destination lacks',
    labelNames: labels,
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'tributary_destination_last_success_timestamp_seconds',
    help: 'When the last sync run succeeded (0: never)',
    labelNames: labels,
    registers,
  });
  const failures = new Gauge({
    name: 'tributary_destination_consecutive_failures',
    help: 'Failed sync runs since the last success',
    labelNames: labels,
    registers,
  });
  const failing = new Gauge({
    name: 'tributary_destination_failing',
    help: '1 while the destination is FAILING (as the API says), else 0',
    labelNames: labels,
    registers,
  });
  const pendingDeletions = new Gauge({
    name: 'tributary_destination_pending_deletion_requests',
    help: 'Deletion requests the destination has not carried out yet',
    labelNames: labels,
    registers,
  });
  const scrapeErrors = new Counter({
    name: 'tributary_metrics_store_errors_total',
    help: 'Scrapes whose store gauges could not be read (the database did not answer)',
    registers,
  });
  const fromStore = [storeRows, storeBytes, lag, lastSuccess, failures, failing, pendingDeletions];

  async function readStore(): Promise<void> {
    for (const gauge of fromStore) gauge.reset();
    try {
      const [size, destinations] = await Promise.all([storeSize(db), destinationHealth(db)]);
      storeRows.set(size.rows);
      storeBytes.set(size.bytes);
      const now = Date.now();
      for (const d of destinations) {
        const l = { destination: d.id, plugin: d.pluginId };
        if (d.enabled) lag.set(l, Math.max(0, (now - d.syncedUpTo.getTime()) / 1000));
        lastSuccess.set(l, d.lastSuccessTime ? d.lastSuccessTime.getTime() / 1000 : 0);
        failures.set(l, d.consecutiveFailures);
        failing.set(l, destinationStatus(d) === 'FAILING' ? 1 : 0);
        pendingDeletions.set(l, d.pendingDeletions);
      }
    } catch (err) {
      scrapeErrors.inc();
      log.warn({ err }, 'metrics: the store gauges could not be read');
    }
  }

  return {
    registry,
    /** A capture request was answered (the router records every one). */
    captureRequest(endpoint: string, status: number) {
      captureRequests.inc({ endpoint, status: String(status) });
    },
    /** A capture request was refused as a whole with this code. */
    captureRefused(code: string) {
      refusedRequests.inc({ code });
    },
    /** The events of one answered capture request. */
    captureEvents(endpoint: string, accepted: number, rejected: readonly { code: string }[]) {
      if (accepted > 0) captureEvents.inc({ endpoint, outcome: 'accepted' }, accepted);
      if (rejected.length > 0) captureEvents.inc({ endpoint, outcome: 'rejected' }, rejected.length);
      for (const r of rejected) rejectedEvents.inc({ code: r.code });
    },
    /** A group-commit flush ended (committed or not). */
    flush(events: number, seconds: number) {
      flushEvents.observe(events);
      flushSeconds.observe(seconds);
    },
    /** A sync run ended. */
    syncRun(destination: { id: string; pluginId: string }, status: 'succeeded' | 'failed', seconds: number, rows: number) {
      const l = { destination: destination.id, plugin: destination.pluginId };
      runSeconds.observe({ ...l, status }, seconds);
      if (status === 'succeeded') runRows.observe(l, rows);
    },
    /** An alert webhook was called. */
    alertAttempt(event: string, outcome: 'delivered' | 'retry' | 'failed') {
      alertAttempts.inc({ event, outcome });
    },
    /** The text exposition of every metric, the store's gauges read now. */
    async scrape(): Promise<{ contentType: string; body: string }> {
      await readStore();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
