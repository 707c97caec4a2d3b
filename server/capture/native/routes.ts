import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../auth/api-keys.ts';
import { sendBatchAnswer } from '../batch-answer.ts';
import type { CaptureDeps } from '../deps.ts';
import { rejectionError } from '../answer.ts';
import { readJsonBody } from '../body.ts';
import { locationFromHeaders } from '../location.ts';
import { LIMITS } from '../limits.ts';
import type { CaptureRoute } from '../routes.ts';
import { parseNativeBatch } from './batch.ts';

/** POST /capture/v1/batch: the native batch endpoint of the web and mobile SDKs. */
async function handleNativeBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps) {
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  const parsed = parseNativeBatch(body, {
    orgId: principal.orgId,
    now,
    userAgentHeader: req.headers['user-agent'],
    location: deps.config.trustProxy ? locationFromHeaders(req) : undefined,
    parseUserAgent: deps.parseUserAgent,
  });
  if (!parsed.ok) throw rejectionError(parsed.rejection.code === 'BATCH_TOO_LARGE' ? 413 : 400, parsed.rejection);
  deps.rateLimiter.charge(principal.keyId, { rows: parsed.events.length }, now);
  const result = await deps.writer.write(parsed.events);
  deps.rateLimiter.charge(principal.keyId, { reemitted: result.reemitted });
  sendBatchAnswer(res, deps, '/capture/v1/batch', principal, parsed, result);
}

/** The native protocol's endpoints. */
export const nativeRoutes: CaptureRoute[] = [
  {
    method: 'POST',
    pattern: /^\/capture\/v1\/batch$/,
    access: 'write',
    handle: (req, res, ctx, deps) => handleNativeBatch(req, res, ctx.principal, deps),
  },
];
