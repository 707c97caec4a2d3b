import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import type { CaptureDeps } from './deps.ts';
import { locationFromHeaders, readJsonBody, rejectionError, sendJson } from './http.ts';
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
  // events of devices whose data was deleted are accepted (the sender must not retry them) and dropped
  const accepted = result.stored + result.duplicates + result.dropped;
  // positions in parsed.events back to indexes in the request
  const rejected = [...parsed.rejected, ...result.rejected.map(({ position, ...r }) => ({ index: parsed.indexes[position]!, ...r }))].sort((a, b) => a.index - b.index);
  const warnings = result.notReordered.map((position) => ({
    index: parsed.indexes[position]!,
    code: 'LATE_EVENT_NOT_REORDERED',
    message: 'stored; the events after this late navigate keep their page: re-emitting them would pass the rows one request may rewrite',
  }));
  if (warnings.length > 0) {
    // the rule "a late navigate re-emits what follows it" was not followed: never silently
    deps.log.warn({ org: principal.orgId, navigates: warnings.length }, 'capture: late navigates stored without re-ordering the rows after them (bound of rewritten rows per request)');
  }
  deps.metrics.captureEvents('/capture/v1/batch', accepted, rejected);
  sendJson(res, rejected.length === 0 ? 202 : 207, { accepted, duplicates: result.duplicates, rejected, ...(warnings.length > 0 ? { warnings } : {}) });
}
