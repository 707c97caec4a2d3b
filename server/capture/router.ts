import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyFromAuthorization, type Principal } from '../auth/api-keys.ts';
import type { ApiKeyRole } from '../db/schema/index.ts';
import type { CaptureDeps } from './deps.ts';
import { HttpError, sendError } from './http.ts';
import { handleNativeBatch } from './native-handler.ts';
import { serverApiRoutes } from './server-api.ts';

export interface CaptureRoute {
  method: 'GET' | 'POST';
  /** Matched against the path; groups become `params`. */
  pattern: RegExp;
  roles: readonly ApiKeyRole[];
  handle(req: IncomingMessage, res: ServerResponse, ctx: { principal: Principal; params: string[]; url: URL }, deps: CaptureDeps): Promise<void>;
}

const WRITERS = ['admin', 'architect', 'capture'] as const;

const routes: CaptureRoute[] = [
  { method: 'POST', pattern: /^\/capture\/v1\/batch$/, roles: WRITERS, handle: (req, res, ctx, deps) => handleNativeBatch(req, res, ctx.principal, deps) },
  ...serverApiRoutes,
];

const CORS_HEADERS = {
  'access-control-allow-methods': 'POST, GET, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type, idempotency-key, integration-source',
  'access-control-max-age': '86400',
  'access-control-expose-headers': 'retry-after',
};

/** Whether this request belongs to the data plane (capture and the server events API). */
export const isCapturePath = (pathname: string) => pathname.startsWith('/capture/') || pathname.startsWith('/v2/');

/**
 * The data plane: plain HTTP handlers (not GraphQL), authenticated by API key, answering CORS,
 * and turning every failure into `{ error: { code, message } }` with no stack trace.
 */
export function createCaptureHandler(deps: CaptureDeps) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const origin = req.headers.origin;
    if (origin) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'retry-after');
      res.setHeader('vary', 'Origin');
    }
    try {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, CORS_HEADERS);
        res.end();
        return;
      }
      const route = routes.find((r) => r.pattern.test(url.pathname));
      if (!route) throw new HttpError(404, 'NOT_FOUND', `no endpoint at ${url.pathname}`);
      if (route.method !== req.method) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${url.pathname} accepts ${route.method}`);
      const key = keyFromAuthorization(req.headers.authorization) ?? url.searchParams.get('key') ?? undefined;
      if (!key) throw new HttpError(401, 'UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>" or ?key=');
      const principal = await deps.keys.resolve(key);
      if (!principal) throw new HttpError(401, 'INVALID_API_KEY', 'the API key is unknown or revoked');
      if (!route.roles.includes(principal.role)) {
        throw new HttpError(403, 'FORBIDDEN', `a ${principal.role} key cannot use ${req.method} ${url.pathname}`);
      }
      if (origin && principal.allowedOrigins.length > 0 && !principal.allowedOrigins.includes(origin)) {
        throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', `origin ${origin} is not allowed for this key`);
      }
      const params = route.pattern.exec(url.pathname)!.slice(1);
      await route.handle(req, res, { principal, params, url }, deps);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) sendError(res, error);
      else {
        console.error('capture failed', error);
        sendError(res, new HttpError(503, 'UNAVAILABLE', 'the event could not be stored; retry later', { 'retry-after': '1' }));
      }
    }
  };
}
