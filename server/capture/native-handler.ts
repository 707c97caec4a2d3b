import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import type { CaptureDeps } from './deps.ts';
import { locationFromHeaders, readJsonBody, rejectionError, sendJson } from './http.ts';
import { LIMITS } from './limits.ts';
import { parseNativeBatch } from './native-batch.ts';
import { chargeRequest } from './rate-limit.ts';

/** POST /capture/v1/batch: the native batch endpoint of the web and mobile SDKs. */
export async function handleNativeBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps) {
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = Date.now();
  const parsed = parseNativeBatch(body, {
    orgId: principal.orgId,
    now,
    userAgentHeader: req.headers['user-agent'],
    location: deps.config.trustProxy ? locationFromHeaders(req) : undefined,
    parseUserAgent: deps.parseUserAgent,
  });
  if (!parsed.ok) throw rejectionError(parsed.rejection.code === 'BATCH_TOO_LARGE' ? 413 : 400, parsed.rejection);
  chargeRequest(deps.rateLimiter, principal.keyId, parsed.events.length, now);
  const result = await deps.writer.write(parsed.events);
  const accepted = result.stored + result.duplicates;
  sendJson(res, parsed.rejected.length === 0 ? 202 : 207, { accepted, duplicates: result.duplicates, rejected: parsed.rejected });
}
