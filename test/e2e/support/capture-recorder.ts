import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CaptureBatch, CaptureEvent } from '../../../sdk-web/src/types.ts';

/** One request that reached the fake capture endpoint. */
export interface RecordedRequest {
  /** `beacon` when the key came in the query string (sendBeacon), else `fetch`. */
  via: 'beacon' | 'fetch';
  contentType: string;
  authorization?: string;
  /** The `key` query parameter (beacons). */
  queryKey?: string;
  origin?: string;
  /** Status the recorder answered with. */
  status: number;
  /** The body exactly as sent. */
  raw: string;
  batch: CaptureBatch;
  receivedAt: number;
}

/** A captured event with the batch it came in (for device/session checks). */
export interface RecordedEvent extends CaptureEvent {
  batch: Omit<CaptureBatch, 'events'>;
  request: RecordedRequest;
}

const corsHeaders = (origin: string | undefined) => ({
  'Access-Control-Allow-Origin': origin ?? '*',
  'Access-Control-Allow-Methods': 'POST, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Expose-Headers': 'Retry-After',
  'Access-Control-Max-Age': '600',
  Vary: 'Origin',
});

/**
 * A stand-in for `POST /capture/v1/batch` that records every batch (answering 202 with CORS,
 * like the real endpoint) and can be told to fail the next requests.
 */
export function createCaptureRecorder() {
  const requests: RecordedRequest[] = [];
  const preflights: Array<{ origin?: string; requestHeaders?: string }> = [];
  const scriptedAnswers: Array<{ status: number; retryAfterSeconds?: number }> = [];
  let failingFetches = false;

  function events(filter?: (event: RecordedEvent) => boolean): RecordedEvent[] {
    const all = requests
      .filter((request) => request.status === 202)
      .flatMap((request) => {
        const { events: batchEvents, ...batch } = request.batch;
        return batchEvents.map((event) => ({ ...event, batch, request }));
      });
    return filter ? all.filter(filter) : all;
  }

  return {
    requests,
    preflights,
    /** Events of every accepted request, in arrival order. */
    events,

    /** Answer the next requests with these statuses (then 202 again). */
    failNext(...answers: Array<{ status: number; retryAfterSeconds?: number }>): void {
      scriptedAnswers.push(...answers);
    },

    /** While on, every request sent with `fetch` (not a beacon) gets a 503. */
    failFetches(on: boolean): void {
      failingFetches = on;
    },

    /** Wait until `predicate` holds for the accepted events; returns them. */
    async waitForEvents(predicate: (events: RecordedEvent[]) => boolean, timeoutMillis = 15_000): Promise<RecordedEvent[]> {
      const deadline = Date.now() + timeoutMillis;
      while (Date.now() < deadline) {
        const current = events();
        if (predicate(current)) return current;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const summary = events().map(
        (event) => `${event.type}${event.properties?.event_name ? `(${String(event.properties.event_name)})` : ''} ${event.url}`,
      );
      throw new Error(`timed out waiting for captured events; received so far:\n${summary.join('\n')}`);
    },

    /** Handle a request if it is for the capture endpoint; false otherwise. */
    async handle(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
      const url = new URL(request.url ?? '/', 'http://recorder');
      if (url.pathname !== '/capture/v1/batch') return false;
      const origin = request.headers.origin;
      if (request.method === 'OPTIONS') {
        preflights.push({ origin, requestHeaders: request.headers['access-control-request-headers'] });
        response.writeHead(204, corsHeaders(origin)).end();
        return true;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const via = url.searchParams.has('key') ? 'beacon' : 'fetch';
      const scripted = via === 'fetch' && failingFetches ? { status: 503 } : scriptedAnswers.shift();
      const status = scripted?.status ?? 202;
      const batch = JSON.parse(raw) as CaptureBatch;
      requests.push({
        via,
        contentType: request.headers['content-type'] ?? '',
        authorization: request.headers.authorization,
        queryKey: url.searchParams.get('key') ?? undefined,
        origin,
        status,
        raw,
        batch,
        receivedAt: Date.now(),
      });
      const headers: Record<string, string> = { ...corsHeaders(origin), 'Content-Type': 'application/json' };
      if (scripted?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(scripted.retryAfterSeconds);
      const body =
        status === 202
          ? { accepted: batch.events.length, rejected: [] }
          : { error: { code: 'SCRIPTED_FAILURE', message: `scripted ${status}` } };
      response.writeHead(status, headers).end(JSON.stringify(body));
      return true;
    },
  };
}

export type CaptureRecorder = ReturnType<typeof createCaptureRecorder>;
