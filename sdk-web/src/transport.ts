import type { Session } from './identity.js';
import type { CaptureBatch, CaptureEvent } from './types.js';

/** An event waiting to be sent, with the session it was captured in. */
export interface QueuedEvent {
  session: Session;
  event: CaptureEvent;
}

export interface TransportOptions {
  endpoint: string;
  key: string;
  flushIntervalMillis: number;
  maxBatchEvents: number;
  /** Everything of a batch but its events and session, read when the batch is sent. */
  envelope: () => Omit<CaptureBatch, 'events' | 'session_id'>;
}

const MAX_QUEUED_EVENTS = 1000;
const MAX_ATTEMPTS = 8;
const BASE_BACKOFF_MILLIS = 1000;
const MAX_BACKOFF_MILLIS = 60_000;
/** Browsers cap keepalive fetches and beacons at 64 KiB in flight per page. */
const KEEPALIVE_BYTES = 60_000;

const byteLength = (body: string): number => new TextEncoder().encode(body).length;

/** Seconds or an HTTP date, as `Retry-After` may say; undefined when absent or unreadable. */
function retryAfterMillis(response: Response): number | undefined {
  const header = response.headers.get('Retry-After');
  if (!header) return undefined;
  const millis = /^\d+$/.test(header) ? Number(header) * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(millis) ? Math.min(Math.max(millis, 0), MAX_BACKOFF_MILLIS) : undefined;
}

/** Exponential backoff with full jitter on the upper half: 0.5–1 × min(cap, base × 2^attempt). */
function backoffMillis(attempt: number): number {
  return Math.min(MAX_BACKOFF_MILLIS, BASE_BACKOFF_MILLIS * 2 ** attempt) * (0.5 + Math.random() / 2);
}

/**
 * Batches events and sends them, one request at a time: after `flushIntervalMillis`, or at once
 * when a batch is full. Network errors, 5xx and 429 are retried with backoff (honouring
 * `Retry-After`); any other answer, including other 4xx, settles the batch. On page hide,
 * {@link Transport.flushWithBeacon} hands everything queued to `navigator.sendBeacon`.
 */
export function createTransport(options: TransportOptions) {
  let queue: QueuedEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerDue = 0;
  let sending = false;
  let attempt = 0;
  let backoffUntil = 0;
  // Bumped by clear(), so the answer to a request sent before it cannot requeue its events.
  let generation = 0;
  const beaconUrl = options.endpoint + (options.endpoint.includes('?') ? '&' : '?') + 'key=' + encodeURIComponent(options.key);

  /** The oldest events that share a session, at most one batch. */
  function takeBatch(): QueuedEvent[] {
    const sessionId = queue[0]!.session.id;
    let count = 0;
    while (count < queue.length && count < options.maxBatchEvents && queue[count]!.session.id === sessionId) count++;
    return queue.splice(0, count);
  }

  function serialize(batch: QueuedEvent[]): string {
    const body: CaptureBatch = {
      ...options.envelope(),
      session_id: batch[0]!.session.id,
      events: batch.map((queued) => queued.event),
    };
    const initialReferrer = batch[0]!.session.initialReferrer;
    if (initialReferrer) body.context.initial_referrer = initialReferrer;
    return JSON.stringify(body);
  }

  function post(body: string, useKeepalive: boolean): Promise<Response> {
    return fetch(options.endpoint, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${options.key}` },
      keepalive: useKeepalive && byteLength(body) < KEEPALIVE_BYTES,
      credentials: 'omit',
    });
  }

  function schedule(delay: number): void {
    if (sending || !queue.length) return;
    const due = Math.max(Date.now() + delay, backoffUntil);
    if (timer !== undefined && timerDue <= due) return;
    clearTimeout(timer);
    timerDue = due;
    timer = setTimeout(() => void send(), due - Date.now());
  }

  async function send(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (sending || !queue.length) return;
    const batch = takeBatch();
    const sentGeneration = generation;
    let retryIn: number | undefined;
    sending = true;
    try {
      const response = await post(serialize(batch), true);
      if (response.status === 429 || response.status >= 500) retryIn = retryAfterMillis(response) ?? backoffMillis(attempt);
    } catch {
      retryIn = backoffMillis(attempt);
    }
    sending = false;
    if (sentGeneration === generation) {
      if (retryIn !== undefined && ++attempt < MAX_ATTEMPTS) {
        queue.unshift(...batch);
        backoffUntil = Date.now() + retryIn;
      } else {
        attempt = 0;
        backoffUntil = 0;
      }
    }
    schedule(queue.length >= options.maxBatchEvents ? 0 : options.flushIntervalMillis);
  }

  function beacon(batch: QueuedEvent[]): void {
    const body = serialize(batch);
    if (batch.length > 1 && byteLength(body) >= KEEPALIVE_BYTES) {
      const half = batch.length >> 1;
      beacon(batch.slice(0, half));
      beacon(batch.slice(half));
    } else if (!navigator.sendBeacon?.(beaconUrl, body)) {
      post(body, true).catch(() => undefined);
    }
  }

  return {
    enqueue(queued: QueuedEvent): void {
      if (queue.length >= MAX_QUEUED_EVENTS) queue.shift();
      queue.push(queued);
      schedule(queue.length >= options.maxBatchEvents ? 0 : options.flushIntervalMillis);
    },

    /** Send what is queued now (still one request at a time, still after any backoff). */
    flush(): void {
      schedule(0);
    },

    /** Hand every queued event to `sendBeacon` (the page is going away, timers may never run). */
    flushWithBeacon(): void {
      clearTimeout(timer);
      timer = undefined;
      while (queue.length) beacon(takeBatch());
    },

    /** Drop every queued event and any retry in progress. */
    clear(): void {
      clearTimeout(timer);
      timer = undefined;
      queue = [];
      attempt = 0;
      backoffUntil = 0;
      generation++;
    },
  };
}

export type Transport = ReturnType<typeof createTransport>;
