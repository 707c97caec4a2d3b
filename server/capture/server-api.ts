import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/api-keys.ts';
import { findUserRecentSession } from '../db/queries/event-store.ts';
import {
  claimBatchJob,
  deleteBatchJob,
  findBatchJobByIdempotencyKey,
  findEventsByDedupKeys,
  finishBatchJob,
  getBatchJob,
  type BatchJob,
  type ImportedEventRow,
} from '../db/queries/batch-jobs.ts';
import { findUserDevices, getUser } from '../db/queries/users.ts';
import type { BatchJobError } from '../db/schema/index.ts';
import type { CapturedEvent } from '../processing/captured-event.ts';
import { isUuid } from '../processing/ids.ts';
import type { CaptureDeps } from './deps.ts';
import { HttpError, readJsonBody, rejectionError, sendJson } from './http.ts';
import { LIMITS, nestingDepth, Rejection } from './limits.ts';
import { chargeRequest } from './rate-limit.ts';
import type { CaptureRoute } from './router.ts';
import { cutText } from './text.ts';
import {
  BATCH_ENTRYPOINT,
  DEFAULT_INTEGRATION,
  EVENTS_ENTRYPOINT,
  fallbackDevice,
  isObject,
  parseContext,
  parseCreateEventRequest,
  parseCreateUserRequest,
  RECENT_SESSION_MS,
  toCapturedEvent,
  uidOfUserId,
  userIdOf,
  USERS_ENTRYPOINT,
  type Identity,
  type ParsedServerEvent,
  type Resolved,
  type ServerEventContext,
} from './server-api-events.ts';

/**
 * The v2 server events API (reference/fullstory-schema.md §8), compatible with the official
 * `@fullstory/server-api-client`. Errors keep the data plane's one shape
 * `{ error: { code, message } }`; the official client exposes it as `err.error` (and the raw
 * body as `err.fsErrorPayload`) on its FSApiError, with `err.httpStatusCode`.
 *
 * Client event identities (`dedupKey`, stored once per organization):
 * - POST /v2/events: `idem:<Idempotency-Key>`, else `srv:<random uuid>`;
 * - POST /v2/events/batch: `idem-batch:<Idempotency-Key>:<index>`, else `batch:<job id>:<index>`;
 * - POST /v2/users: `idem-user:<Idempotency-Key>`, else `srv:<random uuid>`.
 */

const PAGE_SIZE = 100;
/** A rejected request is kept in the job's errors as sent, unless it nests deeper than this. */
const MAX_ERROR_EVENT_DEPTH = 32;
const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function idempotencyKeyOf(req: IncomingMessage): string | undefined {
  const key = header(req, 'idempotency-key');
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new HttpError(400, 'INVALID_IDEMPOTENCY_KEY', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return key;
}

function eventContext(req: IncomingMessage, deps: CaptureDeps, now: number, entrypoint: string): ServerEventContext {
  const integration = cutText(header(req, 'integration-source')?.trim() ?? '', 64);
  return { now, entrypoint, integration: integration || DEFAULT_INTEGRATION, parseUserAgent: deps.parseUserAgent };
}

/**
 * Device and session of each identity (DESIGN.md §3 "Server events"): `session.id` as given;
 * a user with `use_most_recent` gets the session of their last device whose events reach into
 * the 30 minutes before the event's own timestamp, else no session; a user alone gets their last
 * known device (or one derived from the uid) and no session.
 */
async function resolveIdentities(deps: CaptureDeps, orgId: string, items: { identity: Identity; eventTimeMicros: number }[]): Promise<Resolved[]> {
  const plain = items.flatMap(({ identity: i }) => (i.kind === 'user' && !i.useMostRecent ? [i.uid] : []));
  const devices = await findUserDevices(deps.db, orgId, plain);
  const recent = new Map<string, Resolved>();
  for (const { identity, eventTimeMicros } of items) {
    const key = identity.kind === 'user' ? `${identity.uid}\u0000${eventTimeMicros}` : '';
    if (identity.kind !== 'user' || !identity.useMostRecent || recent.has(key)) continue;
    const found = await findUserRecentSession(deps.db, orgId, identity.uid, new Date(Math.floor(eventTimeMicros / 1000)), RECENT_SESSION_MS);
    recent.set(key, found ?? { deviceId: fallbackDevice(orgId, identity.uid), sessionId: null });
  }
  return items.map(({ identity, eventTimeMicros }) => {
    if (identity.kind === 'session') return { deviceId: identity.deviceId, sessionId: identity.sessionId };
    if (identity.useMostRecent) return recent.get(`${identity.uid}\u0000${eventTimeMicros}`)!;
    return { deviceId: devices.get(identity.uid) ?? fallbackDevice(orgId, identity.uid), sessionId: null };
  });
}

const isRejection = (v: unknown): v is Rejection => v instanceof Rejection;

// ---------------------------------------------------------------------------------------------
// POST /v2/events

async function createEvent(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req);
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  const parsed = parseCreateEventRequest(body, eventContext(req, deps, now, EVENTS_ENTRYPOINT));
  if (isRejection(parsed)) throw rejectionError(400, parsed);
  chargeRequest(deps.rateLimiter, principal.keyId, 1, now);
  const [where] = await resolveIdentities(deps, principal.orgId, [parsed]);
  const dedupKey = idempotencyKey ? `idem:${idempotencyKey}` : `srv:${randomUUID()}`;
  await deps.writer.write([toCapturedEvent(parsed, 'custom', where!, { orgId: principal.orgId, dedupKey, now })]);
  deps.metrics.captureEvents('/v2/events', 1, []);
  sendJson(res, 200, {});
}

// ---------------------------------------------------------------------------------------------
// POST /v2/events/batch and its job

const batchDedupKey = (job: Pick<BatchJob, 'id' | 'idempotencyKey'>, index: number) =>
  job.idempotencyKey ? `idem-batch:${job.idempotencyKey}:${index}` : `batch:${job.id}:${index}`;

const jobMetadata = (job: BatchJob) => ({
  id: job.id,
  status: job.status,
  created: job.createdTime.toISOString(),
  ...(job.finishedTime ? { finished: job.finishedTime.toISOString() } : {}),
});

async function createBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req) ?? null;
  const body = await readJsonBody(req, LIMITS.maxServerBodyBytes);
  if (!isObject(body)) throw new HttpError(400, 'INVALID_BATCH', 'the body must be a JSON object {requests, shared?}');
  const requests = body.requests;
  if (!Array.isArray(requests)) throw new HttpError(400, 'INVALID_BATCH', 'requests must be an array of events');
  if (requests.length === 0) throw new HttpError(400, 'INVALID_BATCH', 'requests must hold at least one event');
  if (requests.length > LIMITS.maxServerBatchRequests) {
    throw new HttpError(413, 'BATCH_TOO_LARGE', `a batch holds at most ${LIMITS.maxServerBatchRequests} requests; this one has ${requests.length}`);
  }
  const shared = body.shared;
  if (shared !== undefined && shared !== null && !isObject(shared)) throw new HttpError(400, 'INVALID_BATCH', 'shared must be an object {context?}');
  const now = deps.clock();
  const ctx = eventContext(req, deps, now, BATCH_ENTRYPOINT);
  const sharedContext = shared?.context;
  if (sharedContext !== undefined && sharedContext !== null) {
    const problem = parseContext(sharedContext, ctx);
    if (isRejection(problem)) throw new HttpError(400, problem.code, `shared: ${problem.message}`);
  }

  if (idempotencyKey) {
    const existing = await findBatchJobByIdempotencyKey(deps.db, principal.orgId, idempotencyKey);
    if (existing) return sendJson(res, 200, { job: jobMetadata(existing) });
  }

  const valid: { index: number; parsed: ParsedServerEvent }[] = [];
  const errors: BatchJobError[] = [];
  requests.forEach((raw: unknown, index) => {
    const parsed = parseCreateEventRequest(raw, ctx, sharedContext);
    if (isRejection(parsed)) {
      // kept for the errors endpoint as sent, unless too deep to store (jsonb and JSON.stringify recurse)
      const event = nestingDepth(raw, MAX_ERROR_EVENT_DEPTH) <= MAX_ERROR_EVENT_DEPTH ? raw : null;
      errors.push({ index, code: parsed.code, message: parsed.message, event });
    } else valid.push({ index, parsed });
  });
  chargeRequest(deps.rateLimiter, principal.keyId, valid.length, now);

  const claimed = await claimBatchJob(deps.db, { id: randomUUID(), orgId: principal.orgId, idempotencyKey });
  if (!claimed) {
    // The same Idempotency-Key raced in from another request: answer with its job.
    const existing = await findBatchJobByIdempotencyKey(deps.db, principal.orgId, idempotencyKey!);
    if (!existing) throw new HttpError(409, 'CONFLICT', 'a batch with this Idempotency-Key is being created; retry');
    return sendJson(res, 200, { job: jobMetadata(existing) });
  }
  let imports: number;
  try {
    const where = await resolveIdentities(deps, principal.orgId, valid.map((v) => v.parsed));
    const captured: CapturedEvent[] = valid.map((v, i) =>
      toCapturedEvent(v.parsed, 'custom', where[i]!, { orgId: principal.orgId, dedupKey: batchDedupKey(claimed, v.index), now }),
    );
    const result = await deps.writer.write(captured);
    imports = result.stored + result.duplicates;
  } catch (error) {
    // Nothing was stored: release the claim so a retry with the same key runs again.
    await deleteBatchJob(deps.db, claimed.id).catch(() => {});
    throw error;
  }
  // Partial failures count as FAILED (reference §8.1); the valid events are stored all the same.
  const job = await finishBatchJob(deps.db, claimed.id, { status: errors.length > 0 ? 'FAILED' : 'COMPLETED', imports, errors });
  deps.metrics.captureEvents('/v2/events/batch', imports, errors);
  sendJson(res, 200, { job: jobMetadata(job) });
}

async function jobOf(principal: Principal, deps: CaptureDeps, id: string): Promise<BatchJob> {
  const job = isUuid(id) ? await getBatchJob(deps.db, principal.orgId, id) : undefined;
  if (!job) throw new HttpError(404, 'NOT_FOUND', `no batch job ${cutText(id, 64)}`);
  return job;
}

function pageOffset(url: URL): number {
  const token = url.searchParams.get('page_token');
  if (token === null || token === '') return 0;
  if (!/^\d{1,9}$/.test(token)) throw new HttpError(400, 'INVALID_PAGE_TOKEN', 'page_token must be a next_page_token of a previous answer');
  return Number(token);
}

const page = <T>(all: T[], offset: number) => ({
  items: all.slice(offset, offset + PAGE_SIZE),
  next: offset + PAGE_SIZE < all.length ? String(offset + PAGE_SIZE) : '',
});

async function getJobStatus(res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string): Promise<void> {
  const job = await jobOf(principal, deps, id);
  sendJson(res, 200, { imports: job.imports, errors: job.errors.length, job: jobMetadata(job) });
}

async function getJobErrors(res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string, url: URL): Promise<void> {
  const job = await jobOf(principal, deps, id);
  const { items, next } = page(job.errors, pageOffset(url));
  sendJson(res, 200, {
    results: items.map((e) => ({ message: e.message, code: e.code, event: e.event, index: e.index })),
    total_records: String(job.errors.length),
    next_page_token: next,
  });
}

async function getJobImports(res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string, url: URL): Promise<void> {
  const job = await jobOf(principal, deps, id);
  const failed = new Set(job.errors.map((e) => e.index));
  const imported: number[] = [];
  for (let i = 0; i < job.imports + job.errors.length; i++) if (!failed.has(i)) imported.push(i);
  const { items, next } = page(imported, pageOffset(url));
  const keys = items.map((i) => batchDedupKey(job, i));
  const rows = new Map((await findEventsByDedupKeys(deps.db, principal.orgId, keys)).map((r) => [r.dedupKey, r]));
  const results = keys.flatMap((key) => {
    const row = rows.get(key);
    return row ? [importSummary(row)] : [];
  });
  sendJson(res, 200, { results, total_records: String(imported.length), next_page_token: next });
}

/** An imported event in the `BatchCreateEventsResponse` shape, rebuilt from its stored row. */
function importSummary(row: ImportedEventRow) {
  const obj = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
  const ep = obj(row.eventProperties);
  const sp = obj(row.sourceProperties);
  const context: Record<string, unknown> = {};
  const browser: Record<string, unknown> = {};
  if (obj(sp.url).full_url) browser.url = obj(sp.url).full_url;
  if (obj(sp.user_agent).raw_user_agent) browser.user_agent = obj(sp.user_agent).raw_user_agent;
  if (obj(sp.initial_referrer).full_url) browser.initial_referrer = obj(sp.initial_referrer).full_url;
  if (Object.keys(browser).length > 0) context.browser = browser;
  if (isObject(sp.app)) {
    const { name, version, package_name, build_variant } = sp.app;
    context.mobile = { app_name: name, app_version: version, app_id: package_name, build_variant };
  }
  if (isObject(sp.device)) context.device = sp.device;
  if (isObject(sp.location)) {
    const { lat_long, ...rest } = sp.location;
    const [latitude, longitude] = typeof lat_long === 'string' ? lat_long.split(',').map(Number) : [];
    context.location = { ...rest, ...(latitude !== undefined && longitude !== undefined ? { latitude, longitude } : {}) };
  }
  return {
    name: ep.event_name,
    timestamp: row.eventTime.toISOString(),
    properties: ep.properties ?? {},
    ...(ep.schema !== undefined ? { schema: ep.schema } : {}),
    ...(row.sessionId ? { session: { id: `${row.deviceId}:${row.sessionId}` } } : {}),
    ...(Object.keys(context).length > 0 ? { context } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// POST /v2/users and GET /v2/users/{id}

async function createUser(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req);
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  const parsed = parseCreateUserRequest(body);
  if (isRejection(parsed)) throw rejectionError(400, parsed);
  chargeRequest(deps.rateLimiter, principal.keyId, 1, now);
  const ctx = eventContext(req, deps, now, USERS_ENTRYPOINT);
  const [where] = await resolveIdentities(deps, principal.orgId, [{ identity: { kind: 'user', uid: parsed.uid, useMostRecent: false }, eventTimeMicros: now * 1000 }]);
  const dedupKey = idempotencyKey ? `idem-user:${idempotencyKey}` : `srv:${randomUUID()}`;
  const event = toCapturedEvent(
    { eventTimeMicros: now * 1000, properties: parsed.properties, url: null, source: { entrypoint: USERS_ENTRYPOINT, origin: 'server', integration: ctx.integration } },
    'identify',
    where!,
    { orgId: principal.orgId, dedupKey, now },
  );
  await deps.writer.write([event]);
  sendJson(res, 200, { id: userIdOf(parsed.uid) });
}

async function getUserById(res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    decoded = '';
  }
  const uid = uidOfUserId(decoded);
  const user = uid === undefined ? undefined : await getUser(deps.db, principal.orgId, uid);
  if (!user) throw new HttpError(404, 'NOT_FOUND', `no user ${cutText(decoded, 64)}`);
  sendJson(res, 200, {
    id: userIdOf(user.uid),
    uid: user.uid,
    ...(user.displayName !== null ? { display_name: user.displayName } : {}),
    ...(user.email !== null ? { email: user.email } : {}),
    is_being_deleted: false,
    properties: user.properties,
  });
}

export const serverApiRoutes: CaptureRoute[] = [
  { method: 'POST', pattern: /^\/v2\/events$/, access: 'write', handle: (req, res, ctx, deps) => createEvent(req, res, ctx.principal, deps) },
  { method: 'POST', pattern: /^\/v2\/events\/batch$/, access: 'write', handle: (req, res, ctx, deps) => createBatch(req, res, ctx.principal, deps) },
  {
    method: 'GET',
    pattern: /^\/v2\/events\/batch\/([^/]+)$/,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobStatus(res, ctx.principal, deps, ctx.params[0]!),
  },
  {
    method: 'GET',
    pattern: /^\/v2\/events\/batch\/([^/]+)\/errors$/,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobErrors(res, ctx.principal, deps, ctx.params[0]!, ctx.url),
  },
  {
    method: 'GET',
    pattern: /^\/v2\/events\/batch\/([^/]+)\/imports$/,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobImports(res, ctx.principal, deps, ctx.params[0]!, ctx.url),
  },
  { method: 'POST', pattern: /^\/v2\/users$/, access: 'write', handle: (req, res, ctx, deps) => createUser(req, res, ctx.principal, deps) },
  { method: 'GET', pattern: /^\/v2\/users\/([^/]+)$/, access: 'read', handle: (_req, res, ctx, deps) => getUserById(res, ctx.principal, deps, ctx.params[0]!) },
];
