import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';
import { describeError } from './log-safe.ts';

export type { Logger };

/** The request a line belongs to: set around each HTTP request, read by every line logged under it. */
const requestScope = new AsyncLocalStorage<{ reqId: string }>();

/**
 * The one logger of the process (made by main.ts, or a test, and passed in AppDeps): JSON lines
 * on `destination` (stdout by default), at `level`. Every line logged while a request is handled
 * carries its `reqId`, however deep the code that logs it. Errors go under `err` and are reduced
 * to what may be logged (server/log-safe.ts: no SQL values, payloads or keys); stacks only at debug.
 */
export function createLogger(level: Config['logLevel'], destination?: DestinationStream): Logger {
  const withStack = level === 'debug';
  return pino(
    {
      level,
      base: { pid: process.pid },
      mixin: () => requestScope.getStore() ?? {},
      serializers: { err: (error: unknown) => describeError(error, withStack) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger that writes nothing (tests that do not look at the log). */
export const silentLogger = (): Logger => pino({ level: 'silent' });

// what a proxy or client may send as X-Request-Id and be echoed and logged: no spaces, no markup
const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Runs `handle` as one request: its id comes from a well-formed `X-Request-Id` or is made here,
 * is echoed in the answer's `X-Request-Id`, and tags every line logged meanwhile. When the answer
 * is sent one access line is logged (method, path without its query or ids, status, duration): debug for
 * successes, info for refusals, warn for failures.
 */
export function inRequestScope(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  handle: () => Promise<void>,
  /** What the access line shows of a path (the app replaces ids in it with their place: `/v2/users/{id}`). */
  pathForLog: (pathname: string) => string = (pathname) => pathname,
): Promise<void> {
  const given = req.headers['x-request-id'];
  const reqId = typeof given === 'string' && WELL_FORMED_REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('x-request-id', reqId);
  return requestScope.run({ reqId }, () => {
    const started = performance.now();
    res.once(
      'finish',
      AsyncLocalStorage.bind(() => {
        const status = res.statusCode;
        const level = status >= 500 ? 'warn' : status >= 400 ? 'info' : 'debug';
        if (!log.isLevelEnabled(level)) return;
        const path = pathForLog((req.url ?? '/').split('?')[0]!).slice(0, 128);
        log[level]({ method: req.method, path, status, ms: Math.round(performance.now() - started) }, 'request');
      }),
    );
    return handle();
  });
}
