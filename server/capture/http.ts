import type { IncomingMessage, ServerResponse } from 'node:http';
import { reject, type Rejection } from './limits.ts';

/** An error answer of the capture endpoints: `{ error: { code, message } }`, never a stack trace. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message } }, error.headers);
}

/** Reads a JSON body of at most `maxBytes` (JSON or text/plain, as sendBeacon sends). */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new HttpError(413, 'BODY_TOO_LARGE', `the body is ${declared} bytes; the limit is ${maxBytes}`, { connection: 'close' });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new HttpError(413, 'BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`, { connection: 'close' });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) throw new HttpError(400, 'INVALID_JSON', 'the body is empty');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'the body is not valid JSON');
  }
  // JSON can carry U+0000 only escaped; Postgres text and jsonb cannot store it at all.
  return text.includes('\\u0000') ? replaceNul(body) : body;
}

/** Replaces U+0000 in every string and key with U+FFFD, so the event is kept rather than refused. */
function replaceNul(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('\u0000', '\ufffd');
  if (Array.isArray(value)) return value.map(replaceNul);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replaceAll('\u0000', '\ufffd'), replaceNul(v)]));
  }
  return value;
}

export const rejectionError = (status: number, r: Rejection) => new HttpError(status, r.code, r.message);
export { reject };

/**
 * Token bucket per key: `ratePerSecond` events, bursts up to twice that. A public capture key can
 * be copied from any web page, so one abuser must not flood the store.
 */
export function createRateLimiter(ratePerSecond: number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes `cost` tokens; returns 0 when allowed, else the seconds to wait. */
    take(key: string, cost: number, now = Date.now()): number {
      const capacity = ratePerSecond * 2;
      const bucket = buckets.get(key) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return 0;
      }
      return Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerSecond));
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;

/** `source_properties.location` from headers a trusted proxy sets (Cloudflare / generic). */
export function locationFromHeaders(req: IncomingMessage): Record<string, unknown> | undefined {
  const h = req.headers;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ip = first(h['x-forwarded-for'])?.split(',')[0]?.trim() ?? first(h['x-real-ip']);
  const country = first(h['cf-ipcountry']) ?? first(h['x-geo-country']);
  const region = first(h['x-geo-region']);
  const city = first(h['cf-ipcity']) ?? first(h['x-geo-city']);
  const lat = first(h['cf-iplatitude']) ?? first(h['x-geo-latitude']);
  const lon = first(h['cf-iplongitude']) ?? first(h['x-geo-longitude']);
  const location: Record<string, unknown> = {};
  if (ip) location.ip_address = ip;
  if (country) location.country = country;
  if (region) location.region = region;
  if (city) location.city = city;
  if (lat && lon) location.lat_long = `${lat},${lon}`;
  return Object.keys(location).length > 0 ? location : undefined;
}
