import type { ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import type { WriteResult } from '../processing/writer.ts';
import type { CaptureDeps } from './deps.ts';
import { sendJson } from './answer.ts';

/**
 * The answer of a batch endpoint (native and Segment-shaped): `202` when every event was
 * accepted, else `207` with one entry per rejected event, by its index in the request. `indexes`
 * maps the written events' positions back to those indexes. `endpoint` labels the capture metrics.
 */
export function sendBatchAnswer(
  res: ServerResponse,
  deps: Pick<CaptureDeps, 'log' | 'metrics'>,
  endpoint: string,
  principal: Principal,
  parsed: { indexes: number[]; rejected: { index: number; code: string; message: string }[] },
  result: WriteResult,
): void {
  // events of devices whose data was deleted are accepted (the sender must not retry them) and dropped
  const accepted = result.stored + result.duplicates + result.dropped;
  const rejected = [...parsed.rejected, ...result.rejected.map(({ position, ...r }) => ({ index: parsed.indexes[position]!, ...r }))].sort(
    (a, b) => a.index - b.index,
  );
  const warnings = result.notReordered.map((position) => ({
    index: parsed.indexes[position]!,
    code: 'LATE_EVENT_NOT_REORDERED',
    message: 'stored; the events after this late navigate keep their page: re-emitting them would pass the rows one request may rewrite',
  }));
  if (warnings.length > 0) {
    // the rule "a late navigate re-emits what follows it" was not followed: never silently
    deps.log.warn(
      { org: principal.orgId, navigates: warnings.length },
      'capture: late navigates stored without re-ordering the rows after them (bound of rewritten rows per request)',
    );
  }
  deps.metrics.captureEvents(endpoint, accepted, rejected);
  sendJson(res, rejected.length === 0 ? 202 : 207, {
    accepted,
    duplicates: result.duplicates,
    rejected,
    ...(warnings.length > 0 ? { warnings } : {}),
  });
}
