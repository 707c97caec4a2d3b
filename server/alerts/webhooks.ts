import { createHmac } from 'node:crypto';
import type { SecretBox } from '../auth/secrets.ts';
import type { Database } from '../db/client.ts';
import { ValidationError, validationErrorOf } from '../errors.ts';
import {
  claimDueDeliveries,
  countAlertWebhooks,
  insertAlertWebhook,
  recordAlertTransition,
  recordDeliveryAttempt,
  type AlertWebhookRecord,
  type DueDelivery,
} from '../db/queries/alerts.ts';
import { destinationHealth, type DestinationHealth } from '../db/queries/metrics.ts';
import type { AlertEvent } from '../db/schema/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { destinationStatus, retryDelayMs } from '../sync/schedule.ts';
import type { TargetGuard } from '../sync/targets.ts';

export const MAX_WEBHOOKS_PER_ORG = 10;
const MAX_URL_LENGTH = 2_000;

export interface AlertOptions {
  /** How often destinations are checked and due deliveries sent. */
  intervalMs: number;
  /** Attempts of one delivery before it is recorded as failed. */
  maxAttempts: number;
  /** Base of the exponential backoff between attempts (capped at an hour, jittered). */
  retryBaseMs: number;
  /** A webhook call taking longer fails (and is retried). */
  timeoutMs: number;
}

export const DEFAULT_ALERT_OPTIONS: AlertOptions = { intervalMs: 15_000, maxAttempts: 8, retryBaseMs: 30_000, timeoutMs: 10_000 };

/**
 * A destination is behind when the snapshot its last successful sync read up to is older than
 * two of its intervals plus 15 minutes: it missed two runs in a row (hourly: 2 h 15 min).
 */
export const lagThresholdMs = (intervalMinutes: number) => (2 * intervalMinutes + 15) * 60_000;

/**
 * The signature of a webhook call: HMAC-SHA256 with the webhook's secret of
 * `<timestamp>.<body>`, hex, sent as `X-Tributary-Signature: v1=<hex>` beside
 * `X-Tributary-Timestamp: <unix seconds>` (docs/operations.md shows how to verify it).
 */
export function signAlert(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * Alert webhooks: per organization, called when a destination becomes FAILING, recovers, falls
 * behind (lagThresholdMs) or catches up. A periodic pass compares every destination with what was
 * last alerted of it (one instance alerts a change: recordAlertTransition), queues a delivery per
 * webhook, and sends the due ones, signed, retried with backoff, each attempt recorded.
 */
export function createAlerts(deps: {
  db: Database;
  log: Logger;
  metrics: Pick<Metrics, 'alertAttempt'>;
  secrets: SecretBox;
  targets: TargetGuard;
  options?: Partial<AlertOptions>;
  fetch?: typeof fetch;
}) {
  const { db, log, secrets, targets } = deps;
  const options = { ...DEFAULT_ALERT_OPTIONS, ...deps.options };
  const send = deps.fetch ?? fetch;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  function alertsOf(d: DestinationHealth, now: number): { to: { failing: boolean; lagging: boolean }; events: AlertEvent[] } {
    const failing = destinationStatus(d) === 'FAILING';
    const lagging = now - d.syncedUpTo.getTime() > lagThresholdMs(d.intervalMinutes);
    const events: AlertEvent[] = [];
    if (failing !== d.alerted.failing) events.push(failing ? 'destination.failing' : 'destination.recovered');
    if (lagging !== d.alerted.lagging) events.push(lagging ? 'destination.lagging' : 'destination.caught_up');
    return { to: { failing, lagging }, events };
  }

  function bodyOf(event: AlertEvent, d: DestinationHealth, now: number): string {
    return JSON.stringify({
      event,
      time: new Date(now).toISOString(),
      organizationId: d.orgId,
      destination: {
        id: d.id,
        name: d.name,
        plugin: d.pluginId,
        status: destinationStatus(d),
        consecutiveFailures: d.consecutiveFailures,
        lastError: d.lastError,
        lastSuccessTime: d.lastSuccessTime?.toISOString() ?? null,
        lagSeconds: Math.round((now - d.syncedUpTo.getTime()) / 1000),
        lagThresholdSeconds: lagThresholdMs(d.intervalMinutes) / 1000,
      },
    });
  }

  /** Queues the alerts of every destination whose state changed since it was last alerted. */
  async function checkDestinations(): Promise<number> {
    const now = Date.now();
    let queued = 0;
    for (const d of await destinationHealth(db)) {
      // a disabled destination is neither failing nor recovering: its state waits for its re-enabling
      if (!d.enabled) continue;
      const { to, events } = alertsOf(d, now);
      if (events.length === 0) continue;
      const alerts = events.map((event) => ({ event, body: bodyOf(event, d, now) }));
      if (await recordAlertTransition(db, { destinationId: d.id, orgId: d.orgId, from: d.alerted, to, alerts })) {
        queued += alerts.length;
        log.info({ destination: d.id, events }, 'alert: destination state changed');
      }
    }
    return queued;
  }

  async function deliver(delivery: DueDelivery): Promise<void> {
    let statusCode: number | null = null;
    let error: string;
    try {
      await targets.checkUrlBeforeCall('url', delivery.url);
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await send(delivery.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tributary-Alerts/1',
          'x-tributary-event': delivery.event,
          'x-tributary-delivery': delivery.id,
          'x-tributary-timestamp': String(timestamp),
          'x-tributary-signature': signAlert(secrets.open(delivery.sealedSecret), timestamp, delivery.body),
        },
        body: delivery.body,
      });
      statusCode = response.status;
      await response.body?.cancel().catch(() => {});
      if (response.ok) {
        await recordDeliveryAttempt(db, delivery.id, { status: 'delivered', statusCode, error: null });
        deps.metrics.alertAttempt(delivery.event, 'delivered');
        return;
      }
      error = `the webhook answered ${response.status}`;
    } catch (e) {
      error =
        validationErrorOf(e)?.message ??
        (e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${options.timeoutMs} ms` : 'the webhook could not be reached');
    }
    const last = delivery.attempts >= options.maxAttempts;
    await recordDeliveryAttempt(
      db,
      delivery.id,
      last
        ? { status: 'failed', statusCode, error }
        : {
            status: 'pending',
            statusCode,
            error,
            retryAt: new Date(Date.now() + retryDelayMs(delivery.attempts, { baseMs: options.retryBaseMs, capMs: 3_600_000 })),
          },
    );
    deps.metrics.alertAttempt(delivery.event, last ? 'failed' : 'retry');
    log.warn(
      { delivery: delivery.id, event: delivery.event, attempt: delivery.attempts, statusCode, error, gaveUp: last },
      'alert: webhook call failed',
    );
  }

  /** Sends every delivery due now (a few at a time); returns how many were attempted. */
  async function deliverDue(): Promise<number> {
    let attempted = 0;
    for (;;) {
      const due = await claimDueDeliveries(db, 10, options.timeoutMs * 3);
      if (due.length === 0) return attempted;
      await Promise.all(due.map(deliver));
      attempted += due.length;
    }
  }

  async function pass(): Promise<void> {
    await checkDestinations();
    await deliverDue();
  }

  return {
    /** Validates and stores a webhook; the secret is sealed and never read back through the API. */
    async createWebhook(orgId: string, createdBy: string, input: { url: string; secret: string }): Promise<AlertWebhookRecord> {
      const url = input.url.trim();
      if (url.length > MAX_URL_LENGTH) throw new ValidationError('INVALID_URL', `url must be at most ${MAX_URL_LENGTH} characters`, 'url');
      try {
        targets.checkUrl('url', url);
      } catch (error) {
        throw validationErrorOf(error, 'url') ?? error;
      }
      if (input.secret.length < 16 || input.secret.length > 256)
        throw new ValidationError('INVALID_SECRET', 'secret must be 16 to 256 characters', 'secret');
      if ((await countAlertWebhooks(db, orgId)) >= MAX_WEBHOOKS_PER_ORG) {
        throw new ValidationError('LIMIT_REACHED', `an organization has at most ${MAX_WEBHOOKS_PER_ORG} alert webhooks`, 'url');
      }
      return insertAlertWebhook(db, { orgId, url, sealedSecret: secrets.seal(input.secret), createdBy });
    },
    checkDestinations,
    deliverDue,
    /** One pass now: checks the destinations and sends what is due (after any pass in progress). */
    async runOnce(): Promise<void> {
      while (running) await running;
      running = pass().finally(() => (running = null));
      await running;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = pass()
          .catch((err: unknown) => log.error({ err }, 'alert pass failed'))
          .finally(() => (running = null));
      }, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
export type Alerts = ReturnType<typeof createAlerts>;
