import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../auth/api-keys.ts';
import { isPublicRole } from '../../auth/roles.ts';
import { AppError } from '../../errors.ts';
import { findSessionsNear } from '../../db/queries/event-store.ts';
import { findUserDevices } from '../../db/queries/users.ts';
import type { CapturedEvent } from '../../events/captured-event.ts';
import { deviceIdForUser, viewIdForMessage, viewIdForPage } from '../../events/ids.ts';
import { sendBatchAnswer } from '../batch-answer.ts';
import type { CaptureDeps } from '../deps.ts';
import { rejectionError, sendJson } from '../answer.ts';
import { readJsonBody } from '../body.ts';
import { locationFromHeaders } from '../location.ts';
import { isObject, LIMITS, Rejection } from '../limits.ts';
import type { CaptureRoute } from '../routes.ts';
import { parseSegmentMessage, parseSentAt, type ParsedSegmentMessage, type SegmentType } from './events.ts';

/**
 * The Segment-compatible HTTP tracking API (docs/capture-protocol.md "Segment-compatible API"):
 * `POST /v1/track|identify|page|screen|group|alias` (one message) and `POST /v1/batch` (up to
 * 500), plus the one-letter paths analytics.js posts to (`/v1/t`, `/v1/p` … `/v1/b`). The write
 * key is a capture key, sent by every Segment library as HTTP Basic credentials (router.ts).
 */

/** Sessions are derived here (the shape has none): a device's session ends after 30 minutes without events, in event time. */
export const SESSION_GAP_MS = 30 * 60 * 1000;

interface Located {
  parsed: ParsedSegmentMessage;
  deviceId: string;
}

/**
 * The session of each event: per device in event-time order, the session (stored, or begun
 * earlier in this request) whose span it comes within `gapMs` of, the nearest when two do (the
 * earlier on a tie; sessions never merge); else a new session whose id is the event's epoch
 * milliseconds. `known` are the device's stored sessions near the events.
 */
export function assignSessions(
  events: { deviceId: string; ms: number }[],
  known: { deviceId: string; sessionId: string; firstMs: number; lastMs: number }[],
  gapMs: number,
): string[] {
  const spans = new Map<string, { id: bigint; first: number; last: number }[]>();
  for (const k of known) {
    const list = spans.get(k.deviceId) ?? [];
    list.push({ id: BigInt(k.sessionId), first: k.firstMs, last: k.lastMs });
    spans.set(k.deviceId, list);
  }
  const order = events.map((_, i) => i).sort((a, b) => events[a]!.ms - events[b]!.ms || a - b);
  const ids: string[] = new Array(events.length);
  for (const i of order) {
    const { deviceId, ms } = events[i]!;
    const list = spans.get(deviceId) ?? [];
    spans.set(deviceId, list);
    let best: (typeof list)[number] | undefined;
    let bestDistance = Infinity;
    for (const span of list) {
      const distance = ms < span.first ? span.first - ms : ms > span.last ? ms - span.last : 0;
      if (distance <= gapMs && (distance < bestDistance || (distance === bestDistance && span.first < best!.first))) {
        best = span;
        bestDistance = distance;
      }
    }
    if (!best) {
      let id = BigInt(Math.max(1, Math.floor(ms)));
      while (list.some((s) => s.id === id)) id++;
      best = { id, first: ms, last: ms };
      list.push(best);
    }
    best.first = Math.min(best.first, ms);
    best.last = Math.max(best.last, ms);
    ids[i] = best.id.toString();
  }
  return ids;
}

/**
 * The device of each message: its anonymousId's; a user alone gets the device an identify of
 * this request joined them to, else their last known device, else the one derived from the uid
 * (as the v2 API does).
 */
async function locate(deps: CaptureDeps, orgId: string, messages: ParsedSegmentMessage[]): Promise<Located[]> {
  const anonymous = await deps.segmentDevices.devicesOf(
    orgId,
    messages.flatMap((m) => (m.anonymousId !== undefined ? [m.anonymousId] : [])),
  );
  const users = await findUserDevices(
    deps.db,
    orgId,
    messages.flatMap((m) => (m.anonymousId === undefined ? [m.userId!] : [])),
  );
  for (const m of messages)
    if (m.eventType === 'identify' && m.anonymousId !== undefined) users.set(m.userId!, anonymous.get(m.anonymousId)!);
  return messages.map((parsed) => ({
    parsed,
    deviceId:
      parsed.anonymousId !== undefined
        ? anonymous.get(parsed.anonymousId)!
        : (users.get(parsed.userId!) ?? deviceIdForUser(orgId, parsed.userId!)),
  }));
}

/**
 * The view of a message: in a session, the page (or screen) it is on, so a page's calls and the
 * messages sent from it share a view, ordered by time (the store then checks replays only for
 * messages at or before what it has of the view); a page or screen call outside a session (from a
 * server library) opens one of its own; other messages without a page have none.
 */
function viewOf(orgId: string, l: Located, sessionId: string | null, dedupKey: string, pageViews: Map<string, string>): string | null {
  const { url, eventType } = l.parsed;
  if (sessionId !== null && url !== null) {
    // a request's messages are mostly on few pages: each view id is hashed once
    const key = `${l.deviceId}\u0000${sessionId}\u0000${url.full_url}`;
    let viewId = pageViews.get(key);
    if (viewId === undefined) pageViews.set(key, (viewId = viewIdForPage(orgId, l.deviceId, sessionId, url.full_url)));
    return viewId;
  }
  return eventType === 'navigate' ? viewIdForMessage(orgId, dedupKey) : null;
}

/**
 * Derives sessions and writes the events, holding the locks of the devices that get sessions
 * (web and app messages; server messages have none) so that the sessions another request of the
 * same device is deriving are in the store before these are derived.
 */
async function deriveAndWrite(deps: CaptureDeps, principal: Principal, located: Located[], now: number) {
  const sessioned = located.filter((l) => l.parsed.sourceType !== 'server');
  const devices = [...new Set(sessioned.map((l) => l.deviceId))];
  return deps.segmentDevices.withLocks(
    devices.map((d) => `${principal.orgId}\u0000${d}`),
    async () => {
      const sessionOf = new Map<Located, string>();
      if (sessioned.length > 0) {
        const times = sessioned.map((l) => Math.floor(l.parsed.eventTimeMicros / 1000));
        const known = await findSessionsNear(
          deps.db,
          principal.orgId,
          devices,
          new Date(Math.min(...times)),
          new Date(Math.max(...times)),
          SESSION_GAP_MS,
        );
        const ids = assignSessions(
          sessioned.map((l, i) => ({ deviceId: l.deviceId, ms: times[i]! })),
          known,
          SESSION_GAP_MS,
        );
        sessioned.forEach((l, i) => sessionOf.set(l, ids[i]!));
      }
      const capturedTime = new Date(now);
      const pageViews = new Map<string, string>();
      const events = located.map((l, seq): CapturedEvent => {
        const { parsed } = l;
        const dedupKey = `seg:${parsed.messageId ?? randomUUID()}`;
        const sessionId = sessionOf.get(l) ?? null;
        return {
          orgId: principal.orgId,
          dedupKey,
          seq,
          deviceId: l.deviceId,
          sessionId,
          viewId: viewOf(principal.orgId, l, sessionId, dedupKey, pageViews),
          eventTimeMicros: parsed.eventTimeMicros,
          capturedTime,
          eventType: parsed.eventType,
          properties: parsed.properties,
          url: parsed.url,
          target: null,
          sourceType: parsed.sourceType,
          source: parsed.source,
        };
      });
      return deps.writer.write(events);
    },
  );
}

async function handleSegment(
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
  deps: CaptureDeps,
  call: SegmentType | 'batch',
  path: string,
) {
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  let messages: unknown[];
  let batchSentAt: unknown = null;
  if (call === 'batch') {
    if (!isObject(body) || !Array.isArray(body.batch))
      throw new AppError('INVALID_BATCH', 'the body must be a JSON object {batch: [messages], sentAt?}', { status: 400 });
    if (body.batch.length > LIMITS.maxEventsPerBatch)
      throw new AppError('BATCH_TOO_LARGE', `a batch holds at most ${LIMITS.maxEventsPerBatch} messages`, { status: 413 });
    messages = body.batch;
    batchSentAt = body.sentAt;
  } else messages = [body];

  const ctx = {
    now,
    entrypoint: `POST ${path}`,
    type: call === 'batch' ? undefined : call,
    batchSent: parseSentAt(batchSentAt),
    parseUserAgent: deps.parseUserAgent,
    location: deps.config.trustProxy ? locationFromHeaders(req) : undefined,
    last: undefined,
  };
  const valid: ParsedSegmentMessage[] = [];
  const indexes: number[] = [];
  const rejected: { index: number; code: string; message: string }[] = [];
  messages.forEach((raw, index) => {
    const parsed = parseSegmentMessage(raw, ctx);
    if (parsed instanceof Rejection) rejected.push({ index, code: parsed.code, message: parsed.message });
    else {
      valid.push(parsed);
      indexes.push(index);
    }
  });
  // a single call holds nothing else to keep: its refusal is the answer
  if (call !== 'batch' && rejected.length > 0) throw rejectionError(400, rejected[0]!);
  deps.rateLimiter.charge(principal.keyId, { rows: valid.length }, now);
  const result = await deriveAndWrite(deps, principal, await locate(deps, principal.orgId, valid), now);
  deps.rateLimiter.charge(principal.keyId, { reemitted: result.reemitted });
  sendBatchAnswer(res, deps, `/v1/${call}`, principal, { indexes, rejected }, result);
}

/**
 * GET /v1/projects/{writeKey}/settings: the settings a Segment library fetches from its CDN host
 * before sending, here pointing its Segment.io destination back at this server. With the
 * library's CDN host set to Tributary (analytics.js `cdnURL`, analytics-swift and analytics-kotlin
 * `cdnHost`, React Native `cdnProxy`) nothing is asked of Segment's CDN, and the API host in the
 * settings (which the mobile libraries prefer to their own `apiHost`) is Tributary's.
 */
async function sendSettings(req: IncomingMessage, res: ServerResponse, deps: CaptureDeps, writeKey: string): Promise<void> {
  const principal = await deps.keys.resolve(writeKey);
  // the key travels in a URL: only a public capture key may (a secret one would end up in logs)
  if (principal && !isPublicRole(principal.role)) {
    throw new AppError('SECRET_KEY_IN_URL', 'only capture keys are write keys; replace this one: URLs end up in logs', { status: 400 });
  }
  if (!principal) throw new AppError('NOT_FOUND', 'no such write key', { status: 404 });
  const forwardedProto = deps.config.trustProxy ? req.headers['x-forwarded-proto'] : undefined;
  const protocol =
    (Array.isArray(forwardedProto) ? forwardedProto[0] : forwardedProto)?.split(',')[0]?.trim() ??
    ('encrypted' in req.socket ? 'https' : 'http');
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.:[\]-]{1,300}$/.test(host)) throw new AppError('INVALID_HOST', 'the Host header is not a host name', { status: 400 });
  sendJson(res, 200, {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${host}/v1`,
        protocol: protocol === 'https' ? 'https' : 'http',
        unbundledIntegrations: [],
        addBundledMetadata: true,
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    // analytics.js would report its own metrics to Segment otherwise
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  });
}

/** Each path, and the one-letter path analytics.js posts the same call to. */
const CALLS: [SegmentType | 'batch', string][] = [
  ['track', 't'],
  ['identify', 'i'],
  ['page', 'p'],
  ['screen', 's'],
  ['group', 'g'],
  ['alias', 'a'],
  ['batch', 'b'],
];

export const segmentRoutes: CaptureRoute[] = [
  ...CALLS.map(([call, letter]): CaptureRoute => ({
    method: 'POST',
    pattern: new RegExp(`^/v1/(?:${call}|${letter}|${call === 'batch' ? 'import' : call})$`),
    endpoint: `/v1/${call}`,
    access: 'write',
    handle: (req, res, ctx, deps) => handleSegment(req, res, ctx.principal, deps, call, ctx.url.pathname),
  })),
  {
    method: 'GET',
    pattern: /^\/v1\/projects\/([^/]{1,200})\/settings$/,
    endpoint: '/v1/projects/{key}/settings',
    access: 'public',
    handle: (req, res, ctx, deps) => sendSettings(req, res, deps, decodeURIComponentSafe(ctx.params[0]!)),
  },
];

function decodeURIComponentSafe(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
