import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyFromAuthorization } from '../auth/api-keys.ts';
import { isPublicRole, permissionsOf } from '../auth/roles.ts';
import { AppError } from '../errors.ts';
import type { CaptureDeps } from './deps.ts';
import { sendError } from './answer.ts';
import { nativeRoutes } from './native/routes.ts';
import type { CaptureRoute } from './routes.ts';
import { segmentRoutes } from './segment/routes.ts';
import { serverApiRoutes } from './server-api/routes.ts';

const routes: CaptureRoute[] = [...nativeRoutes, ...serverApiRoutes, ...segmentRoutes];

const CORS_PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'POST, OPTIONS',
  // x-retry-count: analytics.js numbers its retries
  'access-control-allow-headers': 'authorization, content-type, idempotency-key, integration-source, x-retry-count',
  'access-control-max-age': '86400',
};

for (const route of routes) {
  if (route.endpoint === undefined && route.pattern.source.includes('(')) {
    throw new Error(`capture route ${route.pattern.source} has groups: give it an endpoint template`);
  }
}

/** A route's metrics label: its path template (`/v2/users/{id}`), a bounded set. */
function endpointOf(route: CaptureRoute | undefined): string {
  if (!route) return 'unmatched';
  return route.endpoint ?? route.pattern.source.replace(/^\^|\$$/g, '').replaceAll('\\/', '/');
}

/** The route template of a data-plane path (`/v2/users/{id}`): what logs and metrics name, never the ids in it. */
export const captureEndpoint = (pathname: string): string => endpointOf(routes.find((r) => r.pattern.test(pathname)));

/** Whether this request belongs to the data plane (capture, the server events API, the Segment-shaped API). */
export const isCapturePath = (pathname: string) =>
  pathname.startsWith('/capture/') || pathname.startsWith('/v2/') || pathname.startsWith('/v1/');

/**
 * The v2 server API's clients read an error as `{ code, message }` at the top of the body (the
 * official client's FSApiError takes its message from there). Its paths answer that, with the
 * data plane's `{ error: { code, message } }` beside it: the same code, readable both ways.
 */
const answersFlatErrors = (pathname: string) => pathname.startsWith('/v2/');

/** The key of a request and where it came from: a key in the URL ends up in logs and histories. */
function keyOf(req: IncomingMessage, url: URL): { key: string; inUrl: boolean } | undefined {
  const fromHeader = keyFromAuthorization(req.headers.authorization);
  if (fromHeader) return { key: fromHeader, inUrl: false };
  const fromUrl = url.searchParams.get('key');
  return fromUrl ? { key: fromUrl, inUrl: true } : undefined;
}

/**
 * The data plane: plain HTTP handlers (not GraphQL), authenticated by API key, answering CORS on
 * the write endpoints, and turning every failure into `{ error: { code, message } }` with no
 * stack trace. Unexpected failures are logged without their payload (the logger's `err`).
 */
export function createCaptureHandler(deps: CaptureDeps) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const origin = req.headers.origin;
    const atPath = routes.filter((r) => r.pattern.test(url.pathname));
    // OPTIONS (a preflight) is answered for the path's write endpoint, if it has one
    const route = atPath.find((r) => r.method === req.method) ?? atPath.find((r) => r.access === 'write') ?? atPath[0];
    res.once('finish', () => deps.metrics.captureRequest(endpointOf(route), res.statusCode));
    try {
      if (!route) throw new AppError('NOT_FOUND', `no endpoint at ${url.pathname.slice(0, 128)}`, { status: 404 });
      if (route.access === 'write' && origin) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-expose-headers', 'retry-after');
        res.setHeader('vary', 'Origin');
      }
      if (req.method === 'OPTIONS') {
        if (route.access !== 'write')
          throw new AppError('METHOD_NOT_ALLOWED', `${url.pathname} answers no cross-origin requests`, { status: 405 });
        res.writeHead(204, CORS_PREFLIGHT_HEADERS);
        res.end();
        return;
      }
      if (route.method !== req.method) {
        const allow = atPath.map((r) => r.method).join(', ');
        throw new AppError('METHOD_NOT_ALLOWED', `${url.pathname.slice(0, 128)} accepts ${allow}`, { status: 405, headers: { allow } });
      }
      if (route.access === 'public') {
        if (origin) res.setHeader('access-control-allow-origin', origin);
        await route.handle(req, res, { params: route.pattern.exec(url.pathname)!.slice(1), url }, deps);
        return;
      }
      const given = keyOf(req, url);
      if (!given)
        throw new AppError('UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" (capture keys also as ?key=)', {
          status: 401,
        });
      const principal = await deps.keys.resolve(given.key);
      if (!principal) throw new AppError('INVALID_API_KEY', 'the API key is unknown or revoked', { status: 401 });
      if (given.inUrl && !isPublicRole(principal.role)) {
        throw new AppError(
          'SECRET_KEY_IN_URL',
          `only capture keys may be sent as ?key=; send a ${principal.role} key as "Authorization: Bearer <key>" (and replace this one: URLs end up in logs)`,
          { status: 400 },
        );
      }
      if (!permissionsOf(principal.role).capture[route.access]) {
        throw new AppError('FORBIDDEN', `a ${principal.role} key cannot use ${req.method} ${url.pathname.slice(0, 128)}`, { status: 403 });
      }
      if (principal.allowedOrigins.length > 0 && (!origin || !principal.allowedOrigins.includes(origin))) {
        throw new AppError(
          'ORIGIN_NOT_ALLOWED',
          origin
            ? 'this origin is not allowed for this key'
            : 'this key only accepts requests with one of its allowed origins (Origin header); apps and servers need a key without allowed origins',
          { status: 403 },
        );
      }
      const params = route.pattern.exec(url.pathname)!.slice(1);
      await route.handle(req, res, { principal, params, url }, deps);
    } catch (error) {
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy();
        return;
      }
      deps.metrics.captureRefused(error instanceof AppError ? error.code : 'UNAVAILABLE');
      const flat = answersFlatErrors(url.pathname);
      if (error instanceof AppError) sendError(res, error, flat);
      else {
        deps.log.error({ err: error, method: req.method, path: url.pathname.slice(0, 128) }, 'capture failed');
        sendError(
          res,
          new AppError('UNAVAILABLE', 'the event could not be stored; retry later', { status: 503, headers: { 'retry-after': '1' } }),
          flat,
        );
      }
    }
  };
}
