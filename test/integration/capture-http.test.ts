import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

// Security issue #11, the HTTP parts of observation 8: whatever the client sends, what it gets
// back is an answer with `{ error: { code, message } }`, not a dropped connection or a bare 400.

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  port = Number(new URL(t.url).port);
});
afterAll(() => t.close());

interface Exchange {
  /** Every response read from the connection, in order. */
  responses: { status: number; headers: string; body: string }[];
  /** A socket error the client saw (ECONNRESET, EPIPE …), if any. */
  error?: string;
}

/**
 * Sends `head` then `body` in `chunkBytes` pieces (waiting for each write, and `pauseMs` between
 * them, as a client uploading over a real network does), optionally half-closes, and reads until
 * the server closes the connection.
 */
function exchange(
  head: string,
  body: Buffer | string[],
  options: { chunkBytes?: number; pauseMs?: number; halfClose?: boolean } = {},
): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: string | undefined;
    socket.on('data', (d) => received.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => resolve({ responses: parseResponses(Buffer.concat(received).toString('utf8')), error }));
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('connect', async () => {
      const write = (data: Buffer | string) => new Promise<void>((done) => socket.write(data, () => done()));
      await write(head);
      const pieces = Array.isArray(body)
        ? body
        : Array.from({ length: Math.ceil(body.length / (options.chunkBytes ?? body.length)) }, (_, i) =>
            body.subarray(i * options.chunkBytes!, (i + 1) * options.chunkBytes!),
          );
      for (const piece of pieces) {
        if (socket.destroyed) break;
        await write(piece);
        if (options.pauseMs) await new Promise((done) => setTimeout(done, options.pauseMs));
      }
      if (options.halfClose && !socket.destroyed) socket.end();
    });
  });
}

function parseResponses(text: string) {
  const responses: Exchange['responses'] = [];
  let rest = text;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) break;
    const headers = rest.slice(0, headEnd);
    const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    responses.push({ status: Number(headers.slice(9, 12)), headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
  return responses;
}

const errorCode = (body: string) => (JSON.parse(body) as { error: { code: string; message: string } }).error.code;
const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
const post = (extra: string[]) =>
  head([
    'POST /capture/v1/batch HTTP/1.1',
    'Host: localhost',
    `Authorization: Bearer ${t.org.keys.capture}`,
    'Content-Type: application/json',
    ...extra,
  ]);

/** A JSON body of `bytes` bytes (over the 1 MiB limit of the native endpoint when large). */
const bigBody = (bytes: number) => Buffer.from(`{"device_id":"1","events":[],"pad":"${'x'.repeat(bytes - 38)}"}`);

describe('a body over the limit gets its 413 answer, not a reset connection', () => {
  it('with a Content-Length over the limit, uploaded in pieces', async () => {
    const body = bigBody(3 * 1024 * 1024);
    const r = await exchange(post([`Content-Length: ${body.length}`, 'Connection: close']), body, { chunkBytes: 64 * 1024, pauseMs: 5 });
    expect(r.error).toBeUndefined();
    expect(r.responses.map((x) => x.status)).toEqual([413]);
    expect(errorCode(r.responses[0]!.body)).toBe('BODY_TOO_LARGE');
  });

  it('with a chunked body that grows past the limit', async () => {
    const piece = `${(64 * 1024).toString(16)}\r\n${'y'.repeat(64 * 1024)}\r\n`;
    const pieces = ['10\r\n{"device_id":"1"\r\n', ...Array.from({ length: 48 }, () => piece), '0\r\n\r\n'];
    const r = await exchange(post(['Transfer-Encoding: chunked', 'Connection: close']), pieces, { pauseMs: 5 });
    expect(r.error).toBeUndefined();
    expect(r.responses.map((x) => x.status)).toEqual([413]);
    expect(errorCode(r.responses[0]!.body)).toBe('BODY_TOO_LARGE');
  });

  it('through fetch, and the connection stays usable', async () => {
    const r = await fetch(`${t.url}/capture/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.org.keys.capture}` },
      body: bigBody(2 * 1024 * 1024),
    });
    expect([r.status, (await r.json()).error.code]).toEqual([413, 'BODY_TOO_LARGE']);
  });
});

describe('a Content-Length that does not match the body', () => {
  it('shorter than the body: every answer the client gets is a JSON error', async () => {
    const body = '{"device_id":"1","events":[]}   trailing bytes';
    const r = await exchange(post(['Content-Length: 10']), [body], { halfClose: true });
    expect(r.responses.length).toBeGreaterThan(0);
    for (const response of r.responses) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(errorCode(response.body)).toMatch(/^[A-Z_]+$/);
    }
    expect(errorCode(r.responses[0]!.body)).toBe('INVALID_JSON');
  });

  it('longer than the body (the client stops sending): 400 INCOMPLETE_BODY', async () => {
    const r = await exchange(post(['Content-Length: 100']), ['{"device_id":"1"'], { halfClose: true });
    expect(r.responses.map((x) => [x.status, errorCode(x.body)])).toEqual([[400, 'INCOMPLETE_BODY']]);
  });
});

describe('requests the HTTP parser refuses get a JSON error too', () => {
  it('a malformed request line, a bad chunk, headers too large', async () => {
    const garbage = await exchange('NOT HTTP AT ALL\r\n\r\n', []);
    expect(garbage.responses.map((x) => [x.status, errorCode(x.body)])).toEqual([[400, 'MALFORMED_REQUEST']]);
    const badChunk = await exchange(post(['Transfer-Encoding: chunked']), ['zz\r\nnot a chunk\r\n']);
    expect(badChunk.responses.map((x) => [x.status, errorCode(x.body)])).toEqual([[400, 'MALFORMED_REQUEST']]);
    const huge = await exchange(head(['GET /v2/users/x HTTP/1.1', 'Host: localhost', `X-Padding: ${'p'.repeat(20 * 1024)}`]), []);
    expect(huge.responses.map((x) => [x.status, errorCode(x.body)])).toEqual([[431, 'HEADERS_TOO_LARGE']]);
  });
});
