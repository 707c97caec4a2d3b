import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.ts';
import { incompleteBody } from './body.ts';
import type { Rejection } from './limits.ts';

/** How the data plane answers: JSON bodies, and the HTTP edge of the error family. */

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

/** A whole request refused for one of the capture checks' rejections. */
export const rejectionError = (status: number, r: Rejection) => new AppError(r.code, r.message, { status });

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
      return new AppError('MALFORMED_REQUEST', 'the request is not valid HTTP/1.1 (check its Content-Length and Transfer-Encoding)', {
        status: 400,
      });
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
