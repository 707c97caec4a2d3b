import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../../auth/api-keys.ts';
import { AppError } from '../../errors.ts';
import { findUserRecentSession } from '../../db/queries/event-store.ts';
import {
  claimBatchJob,
  deleteBatchJob,
  findBatchJobByIdempotencyKey,
  findEventsByDedupKeys,
  finishBatchJob,
  getBatchJob,
  type BatchJob,
  type ImportedEventRow,
} from '../../db/queries/batch-jobs.ts';
import { findUserDevices, getUser, listUsers, type UserRecord } from '../../db/queries/users.ts';
import type { BatchJobError, BatchJobKind } from '../../db/schema/index.ts';
import type { CapturedEvent } from '../../events/captured-event.ts';
import { isUuid } from '../../events/ids.ts';
import type { CaptureDeps } from '../deps.ts';
import { rejectionError, sendJson } from '../answer.ts';
import { readJsonBody } from '../body.ts';
import { isObject, LIMITS, nestingDepth, Rejection } from '../limits.ts';
import type { CaptureRoute } from '../routes.ts';
import { cutText } from '../text.ts';
import {
  BATCH_ENTRYPOINT,
  DEFAULT_INTEGRATION,
  EVENTS_ENTRYPOINT,
  fallbackDevice,
  parseContext,
  parseCreateEventRequest,
  parseCreateUserRequest,
  RECENT_SESSION_MS,
  toCapturedEvent,
  uidOfUserId,
  userIdOf,
  USER_UPDATE_ENTRYPOINT,
  USERS_BATCH_ENTRYPOINT,
  USERS_ENTRYPOINT,
  type Identity,
  type ParsedServerEvent,
  type Resolved,
  type ServerEventContext,
} from './events.ts';

/**
 * The v2 server events API (README.md, "Server events API"), compatible with the official
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
    throw new AppError('INVALID_IDEMPOTENCY_KEY', `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, { status: 400 });
  }
  return key;
}

function eventContext(req: IncomingMessage, deps: CaptureDeps, now: number, entrypoint: string): ServerEventContext {
  const integration = cutText(header(req, 'integration-source')?.trim() ?? '', 64);
  return { now, entrypoint, integration: integration || DEFAULT_INTEGRATION, parseUserAgent: deps.parseUserAgent };
}

/**
 * Device and session of each identity (README.md, "Server events API"): `session.id` as given;
 * a user with `use_most_recent` gets the session of their last device whose events reach into
 * the 30 minutes before the event's own timestamp, else no session; a user alone gets their last
 * known device (or one derived from the uid) and no session.
 */
async function resolveIdentities(
  deps: CaptureDeps,
  orgId: string,
  items: { identity: Identity; eventTimeMicros: number }[],
): Promise<Resolved[]> {
  const plain = items.flatMap(({ identity: i }) => (i.kind === 'user' && !i.useMostRecent ? [i.uid] : []));
  const devices = await findUserDevices(deps.db, orgId, plain);
  const recent = new Map<string, Resolved>();
  for (const { identity, eventTimeMicros } of items) {
    const key = identity.kind === 'user' ? `${identity.uid}\u0000${eventTimeMicros}` : '';
    if (identity.kind !== 'user' || !identity.useMostRecent || recent.has(key)) continue;
    const found = await findUserRecentSession(
      deps.db,
      orgId,
      identity.uid,
      new Date(Math.floor(eventTimeMicros / 1000)),
      RECENT_SESSION_MS,
    );
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
  deps.rateLimiter.charge(principal.keyId, { rows: 1 }, now);
  const [where] = await resolveIdentities(deps, principal.orgId, [parsed]);
  const dedupKey = idempotencyKey ? `idem:${idempotencyKey}` : `srv:${randomUUID()}`;
  await deps.writer.write([toCapturedEvent(parsed, 'custom', where!, { orgId: principal.orgId, dedupKey, now })]);
  deps.metrics.captureEvents('/v2/events', 1, []);
  sendJson(res, 200, {});
}

// ---------------------------------------------------------------------------------------------
// POST /v2/events/batch and its job

const batchDedupKey = (job: Pick<BatchJob, 'id' | 'kind' | 'idempotencyKey'>, index: number) =>
  job.kind === 'users'
    ? job.idempotencyKey
      ? `idem-user-batch:${job.idempotencyKey}:${index}`
      : `user-batch:${job.id}:${index}`
    : job.idempotencyKey
      ? `idem-batch:${job.idempotencyKey}:${index}`
      : `batch:${job.id}:${index}`;

const jobMetadata = (job: BatchJob) => ({
  id: job.id,
  status: job.status,
  created: job.createdTime.toISOString(),
  ...(job.finishedTime ? { finished: job.finishedTime.toISOString() } : {}),
});

/** The `requests` of a batch body, within the limits; throws the request's refusal. */
function batchRequests(body: unknown, shape: string): { requests: unknown[]; body: Record<string, unknown> } {
  if (!isObject(body)) throw new AppError('INVALID_BATCH', `the body must be a JSON object ${shape}`, { status: 400 });
  const requests = body.requests;
  if (!Array.isArray(requests)) throw new AppError('INVALID_BATCH', 'requests must be an array', { status: 400 });
  if (requests.length === 0) throw new AppError('INVALID_BATCH', 'requests must hold at least one item', { status: 400 });
  if (requests.length > LIMITS.maxServerBatchRequests) {
    throw new AppError(
      'BATCH_TOO_LARGE',
      `a batch holds at most ${LIMITS.maxServerBatchRequests} requests; this one has ${requests.length}`,
      { status: 413 },
    );
  }
  return { requests, body };
}

/** Validates each item: the valid ones with their index, and the errors (each item kept as sent, unless too deep to store). */
function partition<P>(
  requests: unknown[],
  parse: (raw: unknown) => P | Rejection,
): { valid: { index: number; parsed: P }[]; errors: BatchJobError[] } {
  const valid: { index: number; parsed: P }[] = [];
  const errors: BatchJobError[] = [];
  requests.forEach((raw: unknown, index) => {
    const parsed = parse(raw);
    if (isRejection(parsed)) {
      // jsonb and JSON.stringify recurse
      const event = nestingDepth(raw, MAX_ERROR_EVENT_DEPTH) <= MAX_ERROR_EVENT_DEPTH ? raw : null;
      errors.push({ index, code: parsed.code, message: parsed.message, event });
    } else valid.push({ index, parsed });
  });
  return { valid, errors };
}

/**
 * Runs a batch job of either kind at once: answers an earlier job of the same Idempotency-Key,
 * else charges the valid items, claims the job, stores them (`store` returns the imports) and
 * records the outcome. Partial failures count as FAILED (reference §8.1); the valid items are
 * stored all the same.
 */
async function runBatchJob(
  res: ServerResponse,
  principal: Principal,
  deps: CaptureDeps,
  job: { kind: BatchJobKind; idempotencyKey: string | null; now: number },
  items: () => { valid: number; errors: BatchJobError[] },
  store: (claimed: BatchJob) => Promise<number>,
): Promise<void> {
  const { kind, idempotencyKey } = job;
  if (idempotencyKey) {
    const existing = await findBatchJobByIdempotencyKey(deps.db, principal.orgId, kind, idempotencyKey);
    if (existing) return sendJson(res, 200, { job: jobMetadata(existing) });
  }
  const { valid, errors } = items();
  deps.rateLimiter.charge(principal.keyId, { rows: valid }, job.now);
  const claimed = await claimBatchJob(deps.db, { id: randomUUID(), orgId: principal.orgId, kind, idempotencyKey });
  if (!claimed) {
    // The same Idempotency-Key raced in from another request: answer with its job.
    const existing = await findBatchJobByIdempotencyKey(deps.db, principal.orgId, kind, idempotencyKey!);
    if (!existing) throw new AppError('CONFLICT', 'a batch with this Idempotency-Key is being created; retry', { status: 409 });
    return sendJson(res, 200, { job: jobMetadata(existing) });
  }
  let imports: number;
  try {
    imports = await store(claimed);
  } catch (error) {
    // Nothing was stored: release the claim so a retry with the same key runs again.
    await deleteBatchJob(deps.db, claimed.id).catch(() => {});
    throw error;
  }
  const finished = await finishBatchJob(deps.db, claimed.id, { status: errors.length > 0 ? 'FAILED' : 'COMPLETED', imports, errors });
  deps.metrics.captureEvents(kind === 'events' ? '/v2/events/batch' : '/v2/users/batch', imports, errors);
  sendJson(res, 200, { job: jobMetadata(finished) });
}

async function createBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req) ?? null;
  const { requests, body } = batchRequests(await readJsonBody(req, LIMITS.maxServerBodyBytes), '{requests, shared?}');
  const shared = body.shared;
  if (shared !== undefined && shared !== null && !isObject(shared))
    throw new AppError('INVALID_BATCH', 'shared must be an object {context?}', { status: 400 });
  const now = deps.clock();
  const ctx = eventContext(req, deps, now, BATCH_ENTRYPOINT);
  const sharedContext = shared?.context;
  if (sharedContext !== undefined && sharedContext !== null) {
    const problem = parseContext(sharedContext, ctx);
    if (isRejection(problem)) throw new AppError(problem.code, `shared: ${problem.message}`, { status: 400 });
  }
  let valid: { index: number; parsed: ParsedServerEvent }[] = [];
  await runBatchJob(
    res,
    principal,
    deps,
    { kind: 'events', idempotencyKey, now },
    () => {
      const items = partition(requests, (raw) => parseCreateEventRequest(raw, ctx, sharedContext));
      valid = items.valid;
      return { valid: valid.length, errors: items.errors };
    },
    async (job) => {
      const where = await resolveIdentities(
        deps,
        principal.orgId,
        valid.map((v) => v.parsed),
      );
      const captured: CapturedEvent[] = valid.map((v, i) =>
        toCapturedEvent(v.parsed, 'custom', where[i]!, { orgId: principal.orgId, dedupKey: batchDedupKey(job, v.index), now }),
      );
      const result = await deps.writer.write(captured);
      return result.stored + result.duplicates;
    },
  );
}

async function jobOf(principal: Principal, deps: CaptureDeps, kind: BatchJobKind, id: string): Promise<BatchJob> {
  const job = isUuid(id) ? await getBatchJob(deps.db, principal.orgId, kind, id) : undefined;
  if (!job) throw new AppError('NOT_FOUND', `no batch job ${cutText(id, 64)}`, { status: 404 });
  return job;
}

function pageOffset(url: URL): number {
  const token = url.searchParams.get('page_token');
  if (token === null || token === '') return 0;
  if (!/^\d{1,9}$/.test(token))
    throw new AppError('INVALID_PAGE_TOKEN', 'page_token must be a next_page_token of a previous answer', { status: 400 });
  return Number(token);
}

const page = <T>(all: T[], offset: number) => ({
  items: all.slice(offset, offset + PAGE_SIZE),
  next: offset + PAGE_SIZE < all.length ? String(offset + PAGE_SIZE) : '',
});

async function getJobStatus(res: ServerResponse, principal: Principal, deps: CaptureDeps, kind: BatchJobKind, id: string): Promise<void> {
  const job = await jobOf(principal, deps, kind, id);
  sendJson(res, 200, { imports: job.imports, errors: job.errors.length, job: jobMetadata(job) });
}

async function getJobErrors(
  res: ServerResponse,
  principal: Principal,
  deps: CaptureDeps,
  kind: BatchJobKind,
  id: string,
  url: URL,
): Promise<void> {
  const job = await jobOf(principal, deps, kind, id);
  const { items, next } = page(job.errors, pageOffset(url));
  // FailedEventsImport names the item `event`, FailedUserImport `user`
  const itemField = kind === 'users' ? 'user' : 'event';
  sendJson(res, 200, {
    results: items.map((e) => ({ message: e.message, code: e.code, [itemField]: e.event, index: e.index })),
    total_records: String(job.errors.length),
    next_page_token: next,
  });
}

async function getJobImports(
  res: ServerResponse,
  principal: Principal,
  deps: CaptureDeps,
  kind: BatchJobKind,
  id: string,
  url: URL,
): Promise<void> {
  const job = await jobOf(principal, deps, kind, id);
  const failed = new Set(job.errors.map((e) => e.index));
  const imported: number[] = [];
  for (let i = 0; i < job.imports + job.errors.length; i++) if (!failed.has(i)) imported.push(i);
  const { items, next } = page(imported, pageOffset(url));
  const keys = items.map((i) => batchDedupKey(job, i));
  const rows = new Map((await findEventsByDedupKeys(deps.db, principal.orgId, keys)).map((r) => [r.dedupKey, r]));
  const results = keys.flatMap((key) => {
    const row = rows.get(key);
    return row ? [kind === 'users' ? userImportSummary(row) : importSummary(row)] : [];
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
    const { lat_long: _latLong, ...location } = sp.location;
    context.location = location;
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
// The users API: POST /v2/users, GET /v2/users, GET/POST/DELETE /v2/users/{id},
// DELETE /v2/users?uid=, POST /v2/users/batch and its job

type ParsedUser = { uid: string; properties: Record<string, unknown> };

/** Writes one `identify` row per user, on the device each was last seen on (or the one derived from the uid). */
async function writeUsers(
  deps: CaptureDeps,
  principal: Principal,
  ctx: ServerEventContext,
  users: { parsed: ParsedUser; dedupKey: string }[],
) {
  const micros = ctx.now * 1000;
  const where = await resolveIdentities(
    deps,
    principal.orgId,
    users.map((u) => ({ identity: { kind: 'user', uid: u.parsed.uid, useMostRecent: false }, eventTimeMicros: micros })),
  );
  const source = { entrypoint: ctx.entrypoint, origin: 'server', integration: ctx.integration };
  return deps.writer.write(
    users.map((u, i) =>
      toCapturedEvent({ eventTimeMicros: micros, properties: u.parsed.properties, url: null, source }, 'identify', where[i]!, {
        orgId: principal.orgId,
        dedupKey: u.dedupKey,
        now: ctx.now,
      }),
    ),
  );
}

async function createUser(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req);
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  const parsed = parseCreateUserRequest(body);
  if (isRejection(parsed)) throw rejectionError(400, parsed);
  deps.rateLimiter.charge(principal.keyId, { rows: 1 }, now);
  const dedupKey = idempotencyKey ? `idem-user:${idempotencyKey}` : `srv:${randomUUID()}`;
  await writeUsers(deps, principal, eventContext(req, deps, now, USERS_ENTRYPOINT), [{ parsed, dedupKey }]);
  sendJson(res, 200, { id: userIdOf(parsed.uid) });
}

/** The uid of a `{id}` path segment; 404 when it names no user id of POST /v2/users. */
function uidOfPath(id: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    decoded = '';
  }
  const uid = uidOfUserId(decoded);
  if (uid === undefined) throw new AppError('NOT_FOUND', `no user ${cutText(decoded, 64)}`, { status: 404 });
  return uid;
}

const userAnswer = (user: UserRecord) => ({
  id: userIdOf(user.uid),
  uid: user.uid,
  ...(user.displayName !== null ? { display_name: user.displayName } : {}),
  ...(user.email !== null ? { email: user.email } : {}),
  // a deleted user's row is gone at once (server/lifecycle/deletions.ts): none is ever in between
  is_being_deleted: false,
  properties: user.properties,
});

async function getUserById(res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string): Promise<void> {
  const uid = uidOfPath(id);
  const user = await getUser(deps.db, principal.orgId, uid);
  if (!user) throw new AppError('NOT_FOUND', `no user ${cutText(id, 64)}`, { status: 404 });
  sendJson(res, 200, userAnswer(user));
}

/** POST /v2/users/{id}: a user already known gets an `identify` row with the new fields. */
async function updateUser(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps, id: string): Promise<void> {
  const uid = uidOfPath(id);
  const body = await readJsonBody(req, LIMITS.maxBodyBytes);
  const now = deps.clock();
  const parsed = parseCreateUserRequest(body, uid);
  if (isRejection(parsed)) throw rejectionError(400, parsed);
  if (!(await getUser(deps.db, principal.orgId, uid))) throw new AppError('NOT_FOUND', `no user ${cutText(id, 64)}`, { status: 404 });
  deps.rateLimiter.charge(principal.keyId, { rows: 1 }, now);
  await writeUsers(deps, principal, eventContext(req, deps, now, USER_UPDATE_ENTRYPOINT), [{ parsed, dedupKey: `srv:${randomUUID()}` }]);
  sendJson(res, 200, { id: userIdOf(uid) });
}

/** GET /v2/users?uid=&email=&display_name=&is_identified=&page_token=&include_schema= */
async function listUsersOf(res: ServerResponse, principal: Principal, deps: CaptureDeps, url: URL): Promise<void> {
  const q = url.searchParams;
  const field = (name: string) => {
    const v = q.get(name);
    if (v !== null && v.length > 1024) throw new AppError('INVALID_FIELD', `${name} is at most 1024 characters`, { status: 400 });
    return v === null || v === '' ? undefined : v;
  };
  const identified = q.get('is_identified');
  if (identified !== null && identified !== 'true' && identified !== 'false')
    throw new AppError('INVALID_FIELD', 'is_identified must be true or false', { status: 400 });
  const offset = pageOffset(url);
  // every user Tributary knows was identified (a uid): none is anonymous
  const { users, total } =
    identified === 'false'
      ? { users: [], total: 0 }
      : await listUsers(
          deps.db,
          principal.orgId,
          { uid: field('uid'), email: field('email'), displayName: field('display_name') },
          { offset, limit: PAGE_SIZE },
        );
  sendJson(res, 200, {
    results: users.map(userAnswer),
    total_records: String(total),
    next_page_token: offset + PAGE_SIZE < total ? String(offset + PAGE_SIZE) : '',
  });
}

/**
 * DELETE /v2/users/{id} and DELETE /v2/users?uid=: the deletion request of GraphQL
 * `requestDeletion` (server/lifecycle/deletions.ts), so the store and every warehouse follow.
 */
async function deleteUser(res: ServerResponse, principal: Principal, deps: CaptureDeps, uid: string): Promise<void> {
  const request = await deps.deletions.request(principal.orgId, `api-key:${principal.keyId}`, { userId: uid });
  sendJson(res, 202, { id: userIdOf(uid), deletion_request_id: request.id });
}

function uidOfQuery(url: URL): string {
  const uid = url.searchParams.get('uid');
  if (uid === null || uid === '') throw new AppError('MISSING_FIELD', 'give the user as ?uid=, or delete /v2/users/{id}', { status: 400 });
  return uid;
}

async function createUsersBatch(req: IncomingMessage, res: ServerResponse, principal: Principal, deps: CaptureDeps): Promise<void> {
  const idempotencyKey = idempotencyKeyOf(req) ?? null;
  const { requests } = batchRequests(await readJsonBody(req, LIMITS.maxServerBodyBytes), '{requests}');
  const now = deps.clock();
  let valid: { index: number; parsed: ParsedUser }[] = [];
  await runBatchJob(
    res,
    principal,
    deps,
    { kind: 'users', idempotencyKey, now },
    () => {
      const items = partition(requests, (raw) => parseCreateUserRequest(raw));
      valid = items.valid;
      return { valid: valid.length, errors: items.errors };
    },
    async (job) => {
      const ctx = eventContext(req, deps, now, USERS_BATCH_ENTRYPOINT);
      const result = await writeUsers(
        deps,
        principal,
        ctx,
        valid.map((v) => ({ parsed: v.parsed, dedupKey: batchDedupKey(job, v.index) })),
      );
      return result.stored + result.duplicates;
    },
  );
}

/** An imported user in the `BatchUserImportResponse` shape, rebuilt from its stored identify row. */
function userImportSummary(row: ImportedEventRow) {
  const ep = isObject(row.eventProperties) ? row.eventProperties : {};
  const uid = String(ep.user_id);
  return {
    id: userIdOf(uid),
    uid,
    ...(typeof ep.user_display_name === 'string' ? { display_name: ep.user_display_name } : {}),
    ...(typeof ep.user_email === 'string' ? { email: ep.user_email } : {}),
    properties: ep.user_properties ?? {},
    ...(ep.schema !== undefined ? { schema: ep.schema } : {}),
  };
}

/** /v2/users/{id}: any segment but `batch` (POST /v2/users/batch). */
const USER_PATH = /^\/v2\/users\/(?!batch$)([^/]+)$/;

/** The job routes of a kind: its status, errors and imports. */
const jobRoutes = (prefix: string, kind: BatchJobKind): CaptureRoute[] => [
  {
    method: 'GET',
    pattern: new RegExp(`^${prefix}/([^/]+)$`),
    endpoint: `${prefix}/{id}`,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobStatus(res, ctx.principal, deps, kind, ctx.params[0]!),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${prefix}/([^/]+)/errors$`),
    endpoint: `${prefix}/{id}/errors`,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobErrors(res, ctx.principal, deps, kind, ctx.params[0]!, ctx.url),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${prefix}/([^/]+)/imports$`),
    endpoint: `${prefix}/{id}/imports`,
    access: 'read',
    handle: (_req, res, ctx, deps) => getJobImports(res, ctx.principal, deps, kind, ctx.params[0]!, ctx.url),
  },
];

export const serverApiRoutes: CaptureRoute[] = [
  {
    method: 'POST',
    pattern: /^\/v2\/events$/,
    access: 'write',
    handle: (req, res, ctx, deps) => createEvent(req, res, ctx.principal, deps),
  },
  {
    method: 'POST',
    pattern: /^\/v2\/events\/batch$/,
    access: 'write',
    handle: (req, res, ctx, deps) => createBatch(req, res, ctx.principal, deps),
  },
  ...jobRoutes('/v2/events/batch', 'events'),
  { method: 'POST', pattern: /^\/v2\/users$/, access: 'write', handle: (req, res, ctx, deps) => createUser(req, res, ctx.principal, deps) },
  {
    method: 'GET',
    pattern: /^\/v2\/users$/,
    access: 'read',
    handle: (_req, res, ctx, deps) => listUsersOf(res, ctx.principal, deps, ctx.url),
  },
  {
    method: 'DELETE',
    pattern: /^\/v2\/users$/,
    access: 'delete',
    handle: (_req, res, ctx, deps) => deleteUser(res, ctx.principal, deps, uidOfQuery(ctx.url)),
  },
  {
    method: 'POST',
    pattern: /^\/v2\/users\/batch$/,
    access: 'write',
    handle: (req, res, ctx, deps) => createUsersBatch(req, res, ctx.principal, deps),
  },
  ...jobRoutes('/v2/users/batch', 'users'),
  {
    method: 'GET',
    pattern: USER_PATH,
    endpoint: '/v2/users/{id}',
    access: 'read',
    handle: (_req, res, ctx, deps) => getUserById(res, ctx.principal, deps, ctx.params[0]!),
  },
  // updating a user changes what later reads of it answer: a secret key, as for reads
  {
    method: 'POST',
    pattern: USER_PATH,
    endpoint: '/v2/users/{id}',
    access: 'read',
    handle: (req, res, ctx, deps) => updateUser(req, res, ctx.principal, deps, ctx.params[0]!),
  },
  {
    method: 'DELETE',
    pattern: USER_PATH,
    endpoint: '/v2/users/{id}',
    access: 'delete',
    handle: (_req, res, ctx, deps) => deleteUser(res, ctx.principal, deps, uidOfPath(ctx.params[0]!)),
  },
];
