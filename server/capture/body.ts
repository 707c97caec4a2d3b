import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { AppError } from '../errors.ts';
import { mayNeedWellFormed, wellFormed } from './text.ts';

/**
 * How much of a body over the limit is still read (and discarded) so that the client, which is
 * still uploading, receives the 413 answer rather than a reset connection. A body larger than
 * the limit plus this is answered as soon as it crosses it, and the connection is closed.
 */
export const MAX_DRAINED_BYTES = 16 * 1024 * 1024;

/** A body that ended before its declared Content-Length (also as Node's parser reports it: answer.ts). */
export const incompleteBody = () => new AppError('INCOMPLETE_BODY', 'the body ended before its declared Content-Length', { status: 400 });

/** The body, at most `maxBytes`; over it, 413 once the rest is drained (up to MAX_DRAINED_BYTES). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = (close: boolean) =>
    new AppError('BODY_TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`, {
      status: 413,
      headers: close ? { connection: 'close' } : {},
    });
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
