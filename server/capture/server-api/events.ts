import type { CapturedEvent } from '../../events/captured-event.ts';
import { deviceIdForUser, parseInt64 } from '../../events/ids.ts';
import { parseEventTime } from '../../events/time.ts';
import { parsePageUrl, type UrlParts } from '../../events/url.ts';
import type { UserAgentParser } from '../../processing/user-agent.ts';
import { checkEventTime, checkProperties, isObject, LIMITS, reject, Rejection } from '../limits.ts';
import { shapeProperties } from '../properties.ts';
import { cutText } from '../text.ts';

/**
 * Validation of the v2 server API bodies (README.md, "Server events API") into CapturedEvents.
 * Pure: identity resolution against the store happens in server-api.ts between `parse…` and
 * `toCapturedEvent`.
 */

export const EVENTS_ENTRYPOINT = 'POST /v2/events';
export const BATCH_ENTRYPOINT = 'POST /v2/events/batch';
export const USERS_ENTRYPOINT = 'POST /v2/users';
export const USER_UPDATE_ENTRYPOINT = 'POST /v2/users/{id}';
export const USERS_BATCH_ENTRYPOINT = 'POST /v2/users/batch';
export const DEFAULT_INTEGRATION = 'tributary-server-api';
/** `session.use_most_recent` picks a session of the user active this recently. */
export const RECENT_SESSION_MS = 30 * 60 * 1000;
const MAX_UID_LENGTH = 256;

const isRejection = (v: unknown): v is Rejection => v instanceof Rejection;

/**
 * The id POST /v2/users answers for a user: the uid in base64url. Stable (the same uid always
 * gets the same id), reversible without a lookup table, and scoped by the caller's organization
 * on every use (GET /v2/users/{id} and `user.id` only ever look in the caller's organization).
 */
export const userIdOf = (uid: string): string => Buffer.from(uid, 'utf8').toString('base64url');

/**
 * The uid behind a user id of `userIdOf`; undefined when it is not one. A uid holding U+0000 is
 * none: uids are stored with it replaced (server/capture/text.ts), and Postgres refuses it.
 */
export function uidOfUserId(id: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(id)) return undefined;
  const uid = Buffer.from(id, 'base64url').toString('utf8');
  return uid.length > 0 && uid.length <= MAX_UID_LENGTH && !uid.includes('\u0000') && userIdOf(uid) === id ? uid : undefined;
}

/** How a server event is tied to a device and session, before looking at the store. */
export type Identity = { kind: 'session'; deviceId: string; sessionId: string } | { kind: 'user'; uid: string; useMostRecent: boolean };

export interface ParsedServerEvent {
  identity: Identity;
  eventTimeMicros: number;
  properties: Record<string, unknown>;
  url: UrlParts | null;
  source: Record<string, unknown>;
}

export interface ServerEventContext {
  now: number;
  entrypoint: string;
  integration: string;
  parseUserAgent: UserAgentParser;
}

/** `user {uid?, id?}` → the uid; undefined when no user is given. */
function parseUser(raw: unknown, useMostRecent: boolean): string | undefined | Rejection {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) return reject('INVALID_FIELD', 'user must be an object {uid?, id?}');
  const { uid, id } = raw;
  if (uid !== undefined && (typeof uid !== 'string' || uid.length === 0 || uid.length > MAX_UID_LENGTH)) {
    return reject('INVALID_FIELD', `user.uid must be a string of 1 to ${MAX_UID_LENGTH} characters`);
  }
  let fromId: string | undefined;
  if (id !== undefined) {
    fromId = typeof id === 'string' ? uidOfUserId(id) : undefined;
    if (fromId === undefined) return reject('INVALID_FIELD', 'user.id must be an id returned by POST /v2/users');
  }
  if (uid !== undefined && fromId !== undefined) {
    if (useMostRecent) return reject('CONFLICTING_IDENTIFICATION', 'session.use_most_recent needs exactly one of user.uid and user.id');
    if (uid !== fromId) return reject('CONFLICTING_IDENTIFICATION', 'user.uid and user.id name different users');
  }
  return uid ?? fromId;
}

function parseIdentity(raw: Record<string, unknown>): Identity | Rejection {
  const session = raw.session;
  if (session !== undefined && session !== null && !isObject(session)) {
    return reject('INVALID_FIELD', 'session must be an object {id?, use_most_recent?}');
  }
  const sessionId = session?.id;
  const useMostRecent = session?.use_most_recent ?? false;
  if (typeof useMostRecent !== 'boolean') return reject('INVALID_FIELD', 'session.use_most_recent must be a boolean');
  const uid = parseUser(raw.user, useMostRecent);
  if (isRejection(uid)) return uid;

  if (sessionId !== undefined && sessionId !== null) {
    if (useMostRecent) {
      return reject('CONFLICTING_IDENTIFICATION', 'give either session.id or session.use_most_recent, not both');
    }
    if (uid !== undefined) return reject('CONFLICTING_IDENTIFICATION', 'give either session.id or user, not both');
    const m = typeof sessionId === 'string' ? /^([^:]+):([^:]+)$/.exec(sessionId) : null;
    const deviceId = m ? parseInt64(m[1]) : undefined;
    const sid = m ? parseInt64(m[2]) : undefined;
    if (!deviceId || !sid) {
      return reject('INVALID_SESSION_ID', 'session.id must be "<device_id>:<session_id>" with two positive int64 numbers');
    }
    return { kind: 'session', deviceId, sessionId: sid };
  }
  if (uid === undefined) {
    return reject(
      'MISSING_IDENTIFICATION',
      useMostRecent ? 'session.use_most_recent needs user.uid or user.id' : 'give session.id, or user.uid / user.id',
    );
  }
  return { kind: 'user', uid, useMostRecent };
}

const optionalString = (obj: Record<string, unknown>, key: string, path: string, max = 1024): string | undefined | Rejection => {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return reject('INVALID_FIELD', `${path}.${key} must be a string`);
  return cutText(v, max);
};

/** `context` → the page URL and the `source_properties` parts it gives (url is added by processing). */
export function parseContext(
  context: unknown,
  ctx: ServerEventContext,
): { url: UrlParts | null; source: Record<string, unknown> } | Rejection {
  const source: Record<string, unknown> = {};
  if (context === undefined || context === null) return { url: null, source };
  const problem = checkProperties(context, 'context');
  if (problem) return problem;
  const c = context as Record<string, unknown>;
  for (const key of ['browser', 'web', 'mobile', 'device', 'location']) {
    if (c[key] !== undefined && c[key] !== null && !isObject(c[key])) return reject('INVALID_FIELD', `context.${key} must be an object`);
  }
  let url: UrlParts | null = null;
  // `context.web` is what the official client's batch example sends: the same fields as
  // `context.browser`, which wins field by field when both are given.
  if (isObject(c.browser) || isObject(c.web)) {
    const b = { ...(isObject(c.web) ? c.web : {}), ...(isObject(c.browser) ? c.browser : {}) };
    const rawUrl = optionalString(b, 'url', 'context.browser', LIMITS.maxUrlLength + 1);
    if (isRejection(rawUrl)) return rawUrl;
    if (rawUrl !== undefined && (rawUrl.length > LIMITS.maxUrlLength || !(url = parsePageUrl(rawUrl)))) {
      return reject('INVALID_URL', 'context.browser.url must be an absolute http(s) URL, or an app URL with a host (app://shop/cart)');
    }
    const ua = optionalString(b, 'user_agent', 'context.browser');
    if (isRejection(ua)) return ua;
    if (ua) source.user_agent = ctx.parseUserAgent(ua);
    const referrer = optionalString(b, 'initial_referrer', 'context.browser', LIMITS.maxUrlLength + 1);
    if (isRejection(referrer)) return referrer;
    // a referrer that is no page URL (javascript:, unparseable …) is dropped, the event kept
    const parsedReferrer = referrer && referrer.length <= LIMITS.maxUrlLength ? parsePageUrl(referrer) : null;
    if (parsedReferrer) source.initial_referrer = parsedReferrer;
  }
  if (isObject(c.mobile)) {
    // The same names as the native SDK's context.app (docs/capture-protocol.md).
    const app: Record<string, unknown> = {};
    for (const [from, to] of [
      ['app_name', 'name'],
      ['app_version', 'version'],
      ['app_id', 'package_name'],
      ['build_variant', 'build_variant'],
    ] as const) {
      const v = optionalString(c.mobile, from, 'context.mobile', 256);
      if (isRejection(v)) return v;
      if (v !== undefined) app[to] = v;
    }
    if (Object.keys(app).length > 0) source.app = app;
  }
  if (isObject(c.device)) {
    const device: Record<string, unknown> = {};
    for (const key of ['manufacturer', 'model']) {
      const v = optionalString(c.device, key, 'context.device', 256);
      if (isRejection(v)) return v;
      if (v !== undefined) device[key] = v;
    }
    for (const key of ['screen_width', 'screen_height', 'viewport_width', 'viewport_height']) {
      const v = c.device[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
        return reject('INVALID_FIELD', `context.device.${key} must be a non-negative integer`);
      device[key] = v;
    }
    if (Object.keys(device).length > 0) source.device = device;
  }
  if (isObject(c.location)) {
    const location: Record<string, unknown> = {};
    for (const key of ['ip_address', 'country', 'region', 'city']) {
      const v = optionalString(c.location, key, 'context.location', 256);
      if (isRejection(v)) return v;
      if (v !== undefined) location[key] = v;
    }
    const { latitude, longitude } = c.location;
    if (latitude !== undefined || longitude !== undefined) {
      if (typeof latitude !== 'number' || typeof longitude !== 'number' || Math.abs(latitude) > 90 || Math.abs(longitude) > 180) {
        return reject('INVALID_FIELD', 'context.location.latitude and longitude must be given together, in degrees');
      }
      // the numbers as sent, and the one string of the warehouse reference (§2.4)
      location.latitude = latitude;
      location.longitude = longitude;
      location.lat_long = `${latitude},${longitude}`;
    }
    if (Object.keys(location).length > 0) source.location = location;
  }
  return { url, source };
}

/**
 * Validates one `CreateEventRequest`. `sharedContext` is the batch's `shared.context`: an event
 * with a context of its own while it is set is rejected, as the reference API does.
 */
export function parseCreateEventRequest(raw: unknown, ctx: ServerEventContext, sharedContext?: unknown): ParsedServerEvent | Rejection {
  if (!isObject(raw)) return reject('INVALID_REQUEST', 'the event must be a JSON object');
  const name = raw.name;
  if (name === undefined || name === null || name === '') return reject('MISSING_FIELD', 'name is required');
  if (typeof name !== 'string' || name.length > 256) return reject('INVALID_FIELD', 'name must be a string of 1 to 256 characters');

  let micros = ctx.now * 1000;
  if (raw.timestamp !== undefined && raw.timestamp !== null) {
    const parsed = parseEventTime(raw.timestamp);
    const problem = checkEventTime(parsed, ctx.now);
    if (problem) return reject(problem.code, problem.message.replace(/^time\b/, 'timestamp'));
    micros = parsed!;
  }

  const propertiesProblem = checkProperties(raw.properties, 'properties');
  if (propertiesProblem) return propertiesProblem;
  const schemaProblem = checkProperties(raw.schema, 'schema');
  if (schemaProblem) return schemaProblem;
  const own = (raw.properties as Record<string, unknown> | undefined) ?? {};
  const shaped = shapeProperties('custom', { ...own, event_name: name });
  if (isRejection(shaped)) return shaped;
  // A custom property that happens to be called event_name stays a custom property.
  if ('event_name' in own) (shaped.properties as Record<string, unknown>).event_name = own.event_name;
  if (raw.schema !== undefined) shaped.schema = raw.schema;

  const identity = parseIdentity(raw);
  if (isRejection(identity)) return identity;

  const hasOwnContext = raw.context !== undefined && raw.context !== null;
  const hasShared = sharedContext !== undefined && sharedContext !== null;
  if (hasOwnContext && hasShared) {
    return reject('CONTEXT_CONFLICT', 'an event may not have its own context when the batch sets shared.context');
  }
  const context = parseContext(hasOwnContext ? raw.context : sharedContext, ctx);
  if (isRejection(context)) return context;

  return {
    identity,
    eventTimeMicros: micros,
    properties: shaped,
    url: context.url,
    source: { entrypoint: ctx.entrypoint, origin: 'server', integration: ctx.integration, ...context.source },
  };
}

/**
 * Validates a user body into the uid and the `identify` event properties: POST /v2/users
 * (`uid` required), an item of POST /v2/users/batch (`uid`, or the `id` of a user), and
 * POST /v2/users/{id} (`pathUid`, the user of the path; a `uid` in the body must be theirs).
 */
export function parseCreateUserRequest(raw: unknown, pathUid?: string): { uid: string; properties: Record<string, unknown> } | Rejection {
  if (!isObject(raw)) return reject('INVALID_REQUEST', 'the body must be a JSON object');
  const { display_name, email, properties, schema } = raw;
  let uid = raw.uid;
  if (uid !== undefined && uid !== null && (typeof uid !== 'string' || uid === '' || uid.length > MAX_UID_LENGTH)) {
    return reject('INVALID_FIELD', `uid must be a string of 1 to ${MAX_UID_LENGTH} characters`);
  }
  let known = pathUid;
  if (raw.id !== undefined && raw.id !== null && pathUid === undefined) {
    known = typeof raw.id === 'string' ? uidOfUserId(raw.id) : undefined;
    if (known === undefined) return reject('INVALID_FIELD', 'id must be an id returned by POST /v2/users');
  }
  if (known !== undefined) {
    if (uid !== undefined && uid !== null && uid !== known) return reject('CONFLICTING_IDENTIFICATION', 'uid names another user than id');
    uid = known;
  }
  if (typeof uid !== 'string') return reject('MISSING_FIELD', 'uid is required');
  for (const [key, value] of [
    ['display_name', display_name],
    ['email', email],
  ] as const) {
    if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > 1024)) {
      return reject('INVALID_FIELD', `${key} must be a string of at most 1024 characters`);
    }
  }
  const problem = checkProperties(properties, 'properties') ?? checkProperties(schema, 'schema');
  if (problem) return problem;
  const shaped = shapeProperties('identify', {
    user_id: uid,
    user_email: email ?? undefined,
    user_display_name: display_name ?? undefined,
    user_properties: properties ?? {},
  });
  if (isRejection(shaped)) return shaped;
  if (schema !== undefined) shaped.schema = schema;
  return { uid, properties: shaped };
}

/** Where a server event lands once its identity is resolved against the store. */
export interface Resolved {
  deviceId: string;
  sessionId: string | null;
}

/** The device of a user with no known device: derived from the organization and uid. */
export const fallbackDevice = (orgId: string, uid: string) => deviceIdForUser(orgId, uid);

export function toCapturedEvent(
  parsed: { eventTimeMicros: number; properties: Record<string, unknown>; url: UrlParts | null; source: Record<string, unknown> },
  eventType: 'custom' | 'identify',
  where: Resolved,
  meta: { orgId: string; dedupKey: string; now: number },
): CapturedEvent {
  return {
    orgId: meta.orgId,
    dedupKey: meta.dedupKey,
    seq: 0,
    deviceId: where.deviceId,
    sessionId: where.sessionId,
    viewId: null,
    eventTimeMicros: parsed.eventTimeMicros,
    capturedTime: new Date(meta.now),
    eventType,
    properties: parsed.properties,
    url: parsed.url,
    target: null,
    sourceType: 'server',
    source: parsed.source,
  };
}
