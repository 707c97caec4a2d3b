import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { AppError } from '../errors.ts';
import { reject, type Rejection } from './limits.ts';
import { mayNeedWellFormed, wellFormed } from './text.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // answerClientError may have answered this request already (its body never arrived whole)
  if (res.headersSent || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The HTTP edge of the host's error family (server/errors.ts): `{ error: { code, message } }`
 * with the error's status and headers, never a stack trace. `flat`: also `code` and `message` at
 * the top of the body, as v2 server API clients read them (router.ts).
 */
export function sendError(res: ServerResponse, error: AppError, flat = false): void {
  const detail = { code: error.code, message: error.message };
  sendJson(res, error.status, flat ? { ...detail, error: detail } : { error: detail }, error.headers);
}

/**
 * How much of a body over the limit is still read (and discarded) so that the client, which is
 * still uploading, receives the 413 answer rather than a reset connection. A body larger than
 * the limit plus this is answered as soon as it crosses it, and the connection is closed.
 */
export const MAX_DRAINED_BYTES = 16 * 1024 * 1024;

const incompleteBody = () => new AppError('INCOMPLETE_BODY', 'the body ended before its declared Content-Length', { status: 400 });

/** The body, at most `maxBytes`; over it, 413 once the rest is drained (up to MAX_DRAINED_BYTES). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (close: boolean) =>
    new AppError('BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`, { status: 413, headers: close ? { connection: 'close' } : {} });
  if (Number(req.headers['content-length']) > maxBytes + MAX_DRAINED_BYTES) return Promise.reject(tooLarge(true));
  if (req.destroyed) return Promise.reject(incompleteBody());
  return new Promise((resolve, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (error: AppError | undefined) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      if (error) fail(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
      else if (size > maxBytes + MAX_DRAINED_BYTES) {
        req.pause();
        settle(tooLarge(true));
      }
    };
    req.on('data', onData);
    req.once('end', () => settle(size > maxBytes ? tooLarge(false) : undefined));
    // 'error' (the connection closed mid-body) is always followed by 'close'
    req.on('error', () => {});
    req.once('close', () => settle(incompleteBody()));
  });
}

const gunzipAsync = promisify(gunzip);

/**
 * The body as sent before its `Content-Encoding`: gzip (analytics-kotlin compresses every batch)
 * is inflated to at most `maxBytes`, so a small body cannot inflate into a large one.
 */
async function decodeBody(req: IncomingMessage, body: Buffer, maxBytes: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new AppError('UNSUPPORTED_ENCODING', 'Content-Encoding must be gzip or none', { status: 415 });
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new AppError('BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes once inflated`, { status: 413 });
    }
    throw new AppError('INVALID_ENCODING', 'the body is not valid gzip', { status: 400 });
  }
}

/**
 * Reads a JSON body of at most `maxBytes` (JSON or text/plain, as sendBeacon sends; gzip or not). Strings and
 * property names come out well-formed (server/capture/text.ts): U+0000 and lone surrogates,
 * which Postgres cannot store, become U+FFFD.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const text = (await decodeBody(req, await readBody(req, maxBytes), maxBytes)).toString('utf8');
  if (text.length === 0) throw new AppError('INVALID_JSON', 'the body is empty', { status: 400 });
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('INVALID_JSON', 'the body is not valid JSON', { status: 400 });
  }
  return mayNeedWellFormed(text) ? wellFormed(body) : body;
}

const answeredSockets = new WeakSet<Duplex>();

function clientErrorAnswer(error: Error & { code?: string }): AppError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('HEADERS_TOO_LARGE', 'the request headers are too large', { status: 431 });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('REQUEST_TIMEOUT', 'the request did not arrive in time', { status: 408 });
    case 'HPE_INVALID_EOF_STATE':
      return incompleteBody();
    default:
      return new AppError('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1 (check its Content-Length and Transfer-Encoding)', { status: 400 });
  }
}

/**
 * The server's `clientError` listener: answers what Node's HTTP parser refuses (a malformed
 * request, bytes after a body shorter than its Content-Length, a body ending before its
 * Content-Length, headers too large, a request too slow) in the `{ error: { code, message } }`
 * shape instead of Node's bare 400, then closes the connection.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // Node emits this again for every later chunk of a connection whose parser failed.
  if (answeredSockets.has(socket)) return;
  answeredSockets.add(socket);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // The response of the request being handled on this connection (a Node internal, stable
  // since Node 0.x): it must go out whole, before anything else is written.
  const pending = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (pending) {
    if (pending.headersSent) {
      pending.once('finish', () => socket.destroy());
      return;
    }
    pending.shouldKeepAlive = false;
    // A request read whole gets its own answer; one whose body broke off gets this one.
    if (!pending.req.complete) sendError(pending, clientErrorAnswer(error));
    return;
  }
  const answer = clientErrorAnswer(error);
  const text = JSON.stringify({ error: { code: answer.code, message: answer.message } });
  socket.end(
    `HTTP/1.1 ${answer.status} ${answer.code}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}

export const rejectionError = (status: number, r: Rejection) => new AppError(r.code, r.message, { status });
export { reject };

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
