import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import { sendBatchAnswer } from './batch-answer.ts';
import type { CaptureDeps } from './deps.ts';
import { locationFromHeaders, readJsonBody, rejectionError } from './http.ts';
import { LIMITS } from './limits.ts';
import { parseNativeBatch } from './native-batch.ts';
import { chargeRequest, chargeRewrites } from './rate-limit.ts';

/** POST /capture/v1/batch: the native batch endpoint of the web and mobile SDKs. */
export async function handleNativeBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps) {
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
  chargeRequest(deps.rateLimiter, principal.keyId, parsed.events.length, now);
  const result = await deps.writer.write(parsed.events);
  chargeRewrites(deps.rateLimiter, principal.keyId, result.reemitted);
  sendBatchAnswer(res, deps, '/capture/v1/batch', principal, parsed, result);
}
