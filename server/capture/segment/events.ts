import { parseEventTime } from '../../events/time.ts';
import { parsePageUrl, type UrlParts } from '../../events/url.ts';
import type { UserAgentParser } from '../../processing/user-agent.ts';
import { checkEventTime, checkProperties, isObject, LIMITS, reject, Rejection } from '../limits.ts';
import { cutText } from '../text.ts';

/**
 * Validation of Segment-shaped messages (the HTTP tracking API every Segment and RudderStack SDK
 * speaks; docs/capture-protocol.md "Segment-compatible API") into the parts of a CapturedEvent.
 * Pure: devices and sessions are resolved against the store in segment.ts.
 */

export const SEGMENT_TYPES = ['track', 'identify', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];
const isSegmentType = (v: unknown): v is SegmentType => typeof v === 'string' && (SEGMENT_TYPES as readonly string[]).includes(v);

/** Event names of the calls stored as custom events, which a track call is unlikely to use. */
export const CALL_EVENT_NAMES = { group: '$group', alias: '$alias', identify: '$identify' } as const;

const MAX_ID_LENGTH = 256;
const DEFAULT_INTEGRATION = 'segment-http';

const isRejection = (v: unknown): v is Rejection => v instanceof Rejection;
const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v !== '' ? cutText(v, max) : undefined);

export interface SegmentMessageContext {
  now: number;
  /** `POST /v1/batch` or the single call's path. */
  entrypoint: string;
  /** The type of a single-call endpoint (`/v1/track` …); undefined in a batch (each message says). */
  type: SegmentType | undefined;
  /** The batch's `sentAt` (parseSentAt), for the messages without their own. */
  batchSent: number | null | 'invalid';
  parseUserAgent: UserAgentParser;
  /** `source_properties.location` from a trusted proxy, when configured. */
  location: Record<string, unknown> | undefined;
  /**
   * What the messages of one request share: a library sends its context with every message, and
   * the messages of a batch mostly have the same one. The last context checked, and the parts of
   * the event it gives, are reused for the next message whose context equals it.
   */
  last: { context: unknown; shared: SharedContext } | undefined;
}

interface SharedContext {
  sourceType: ParsedSegmentMessage['sourceType'];
  /** `source_properties` without the message's own `segment` and `title`. */
  source: Record<string, unknown>;
  /** The page of `context.page.url`; null when absent or not a page URL. */
  pageUrl: UrlParts | null;
  /**
   * The `source_properties` of each sender and call type with this context: one object for the
   * messages that have the same, so processing serialises it once (createSourceJson).
   */
  sources: Map<string, Record<string, unknown>>;
}

export interface ParsedSegmentMessage {
  type: SegmentType;
  anonymousId: string | undefined;
  userId: string | undefined;
  messageId: string | undefined;
  eventTimeMicros: number;
  eventType: 'navigate' | 'custom' | 'identify';
  properties: Record<string, unknown>;
  url: UrlParts | null;
  sourceType: 'web' | 'mobile_app' | 'server';
  source: Record<string, unknown>;
}

/** An id field: a string or a finite number (some SDKs send numeric user ids), as a string. */
function idField(raw: Record<string, unknown>, key: string): string | undefined | Rejection {
  const v = raw[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v.length > MAX_ID_LENGTH)
    return reject('INVALID_FIELD', `${key} must be a string of at most ${MAX_ID_LENGTH} characters`);
  return v;
}

/** A `sentAt` in microseconds; null when not given. */
export const parseSentAt = (raw: unknown): number | null | 'invalid' =>
  raw === undefined || raw === null ? null : (parseEventTime(raw) ?? 'invalid');

/**
 * The event time with clock-skew correction, as Segment computes it: the device's own time of the
 * call (`originalTimestamp`, else `timestamp`) moved by how far the device clock was off when it
 * sent the message (`sentAt`, the message's or the batch's, against the server clock). Without
 * `sentAt` the device time is taken as is; without any time, the server's.
 */
function eventTime(raw: Record<string, unknown>, ctx: SegmentMessageContext): number | Rejection {
  const given = raw.originalTimestamp ?? raw.timestamp;
  if (given === undefined || given === null) return ctx.now * 1000;
  const original = parseEventTime(given);
  if (original === undefined) return reject('INVALID_TIMESTAMP', 'timestamp must be an ISO-8601 timestamp with an offset');
  const sent = raw.sentAt !== undefined ? parseSentAt(raw.sentAt) : ctx.batchSent;
  if (sent === 'invalid') return reject('INVALID_TIMESTAMP', 'sentAt must be an ISO-8601 timestamp with an offset');
  const micros = sent === null ? original : original + (ctx.now * 1000 - sent);
  const problem = checkEventTime(micros, ctx.now);
  return problem ? reject(problem.code, problem.message.replace(/^time\b/, 'timestamp')) : micros;
}

const MOBILE_OS = /^(ios|ipados|tvos|watchos|android)$/i;

/**
 * Where the message came from: an app (`context.app`, or an iOS/Android `context.os`), a web page
 * (`context.page` or `context.userAgent`, as analytics.js sends), else a server library.
 */
function sourceTypeOf(context: Record<string, unknown>): ParsedSegmentMessage['sourceType'] {
  if (isObject(context.app) || (isObject(context.os) && typeof context.os.name === 'string' && MOBILE_OS.test(context.os.name)))
    return 'mobile_app';
  if (isObject(context.page) || typeof context.userAgent === 'string') return 'web';
  return 'server';
}

/** Copies the string fields `keys` of `from` (renamed by `rename`), cut to 256 characters. */
function pick(from: unknown, keys: readonly string[], rename: Record<string, string> = {}): Record<string, unknown> | undefined {
  if (!isObject(from)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const v = from[key];
    if (typeof v === 'string' && v !== '') out[rename[key] ?? key] = cutText(v, 256);
    else if (typeof v === 'number' && Number.isFinite(v)) out[rename[key] ?? key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function sharedContextOf(context: Record<string, unknown>, ctx: SegmentMessageContext): SharedContext {
  const sourceType = sourceTypeOf(context);
  const page = isObject(context.page) ? context.page : {};
  // a track (or identify …) on a web page happened on that page; a bad URL there is dropped, the event kept
  const pageUrl = typeof page.url === 'string' && page.url.length <= LIMITS.maxUrlLength ? parsePageUrl(page.url) : null;
  return { sourceType, source: sourceProperties(context, sourceType, ctx), pageUrl, sources: new Map() };
}

function sourceProperties(
  context: Record<string, unknown>,
  sourceType: ParsedSegmentMessage['sourceType'],
  ctx: SegmentMessageContext,
): Record<string, unknown> {
  const library = pick(context.library, ['name', 'version']);
  const userAgent = str(context.userAgent, 1024);
  const page = isObject(context.page) ? context.page : {};
  const referrer = typeof page.referrer === 'string' && page.referrer.length <= LIMITS.maxUrlLength ? parsePageUrl(page.referrer) : null;
  const source: Record<string, unknown> = {
    entrypoint: ctx.entrypoint,
    origin: sourceType === 'server' ? 'server' : 'dom',
    integration: (library?.name as string | undefined) ?? DEFAULT_INTEGRATION,
    sdk: library ? { name: library.name ?? null, version: library.version ?? null } : null,
    user_agent: userAgent ? ctx.parseUserAgent(userAgent) : null,
    // the page's referrer (analytics.js sends document.referrer)
    initial_referrer: referrer,
  };
  const location = { ...ctx.location, ...pick(context.location, ['country', 'region', 'city', 'latitude', 'longitude']) };
  if (typeof context.ip === 'string' && context.ip !== '') location.ip_address = cutText(context.ip, 64);
  if (typeof location.latitude === 'number' && typeof location.longitude === 'number')
    location.lat_long = `${location.latitude},${location.longitude}`;
  if (Object.keys(location).length > 0) source.location = location;
  const device = { ...pick(context.device, ['manufacturer', 'model', 'name', 'type', 'id']) };
  if (isObject(context.screen)) {
    const { width, height } = context.screen;
    if (typeof width === 'number' && Number.isSafeInteger(width) && width >= 0) device.screen_width = width;
    if (typeof height === 'number' && Number.isSafeInteger(height) && height >= 0) device.screen_height = height;
  }
  if (Object.keys(device).length > 0) source.device = device;
  // the names of the native SDK's context.app (docs/capture-protocol.md)
  const app = pick(context.app, ['name', 'version', 'build', 'namespace'], { namespace: 'package_name' });
  if (app) source.app = app;
  const os = pick(context.os, ['name', 'version']);
  if (os) source.os = os;
  const locale = str(context.locale, 64);
  if (locale) source.locale = locale;
  const timezone = str(context.timezone, 64);
  if (timezone) source.timezone = timezone;
  const campaign = pick(context.campaign, ['name', 'source', 'medium', 'term', 'content']);
  if (campaign) source.campaign = campaign;
  return source;
}

/**
 * Whether two parsed JSON values are equal, looking no deeper than the properties limit (a
 * deeper value is never the same as a checked one: it fails its own check).
 */
function sameJson(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || depth > LIMITS.maxPropertiesDepth) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (!Object.hasOwn(b, key) || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], depth + 1))
      return false;
  }
  return true;
}

/** `app://<app id>/<screen name>`: a screen as the URL path of its app (hosts are lowercase, a-z 0-9 . -). */
function screenUrl(context: Record<string, unknown>, name: string): UrlParts | null {
  const app = isObject(context.app) ? context.app : {};
  const id = [app.namespace, app.name].find((v): v is string => typeof v === 'string' && v !== '') ?? 'app';
  const host =
    id
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^[.-]+|[.-]+$/g, '')
      .slice(0, 253) || 'app';
  return parsePageUrl(`app://${host}/${encodeURIComponent(cutText(name, 1024))}`);
}

/** `user_email`, `user_display_name` and the other traits of an identify call. */
function identifyProperties(userId: string, traits: Record<string, unknown>): Record<string, unknown> {
  const { email, name, ...rest } = traits;
  const first = typeof traits.firstName === 'string' ? traits.firstName : undefined;
  const last = typeof traits.lastName === 'string' ? traits.lastName : undefined;
  const displayName = typeof name === 'string' ? name : first || last ? [first, last].filter(Boolean).join(' ') : null;
  return {
    user_id: userId,
    user_email: typeof email === 'string' ? cutText(email, 1024) : null,
    user_display_name: displayName === null ? null : cutText(displayName, 1024),
    user_properties: rest,
  };
}

/**
 * Validates one message. A single-call endpoint gives the type; in a batch each message names
 * its own. Returns the parts of its event, or the rejection of this message alone.
 */
export function parseSegmentMessage(raw: unknown, ctx: SegmentMessageContext): ParsedSegmentMessage | Rejection {
  if (!isObject(raw)) return reject('INVALID_EVENT', 'the message must be a JSON object');
  const type = ctx.type ?? raw.type;
  if (typeof type !== 'string') return reject('MISSING_FIELD', 'type is required');
  if (!isSegmentType(type))
    return reject('UNKNOWN_EVENT_TYPE', `type "${cutText(type, 64)}" is not track, identify, page, screen, group or alias`);

  const anonymousId = idField(raw, 'anonymousId');
  if (isRejection(anonymousId)) return anonymousId;
  const userId = idField(raw, 'userId');
  if (isRejection(userId)) return userId;
  if (anonymousId === undefined && userId === undefined) return reject('MISSING_FIELD', 'anonymousId or userId is required');
  // an empty messageId names no message (it would make every such message a replay of the first)
  const messageId = raw.messageId === '' ? undefined : raw.messageId;
  if (messageId !== undefined && messageId !== null && (typeof messageId !== 'string' || messageId.length > LIMITS.maxClientIdLength)) {
    return reject('INVALID_FIELD', `messageId must be a string of at most ${LIMITS.maxClientIdLength} characters`);
  }

  const micros = eventTime(raw, ctx);
  if (isRejection(micros)) return micros;
  let shared: SharedContext;
  if (ctx.last && sameJson(raw.context, ctx.last.context, 0)) shared = ctx.last.shared;
  else {
    const contextProblem = checkProperties(raw.context, 'context');
    if (contextProblem) return contextProblem;
    shared = sharedContextOf((raw.context as Record<string, unknown> | undefined) ?? {}, ctx);
    ctx.last = { context: raw.context, shared };
  }
  const problem = checkProperties(raw.properties, 'properties') ?? checkProperties(raw.traits, 'traits');
  if (problem) return problem;
  const context = (raw.context as Record<string, unknown> | undefined) ?? {};
  const properties = (raw.properties as Record<string, unknown> | undefined) ?? {};
  const traits = (raw.traits as Record<string, unknown> | undefined) ?? {};

  let eventType: ParsedSegmentMessage['eventType'] = 'custom';
  let shaped: Record<string, unknown>;
  let url: UrlParts | null = null;
  let title: string | undefined;
  switch (type) {
    case 'track': {
      const event = raw.event;
      if (typeof event !== 'string' || event === '' || event.length > 256)
        return reject('MISSING_FIELD', 'a track call needs event (1 to 256 characters)');
      shaped = { event_name: event, properties };
      break;
    }
    case 'identify':
      if (userId === undefined) {
        // traits of an anonymous visitor: kept, but there is no user to identify
        shaped = { event_name: CALL_EVENT_NAMES.identify, properties: { traits } };
      } else {
        eventType = 'identify';
        shaped = identifyProperties(userId, traits);
      }
      break;
    case 'page':
    case 'screen': {
      const name = str(raw.name, 1024) ?? str(properties.name, 1024);
      const category = str(raw.category, 1024);
      eventType = 'navigate';
      shaped = { navigate_reason: 'navigate', ...(name ? { name } : {}), ...(category ? { category } : {}), properties };
      if (type === 'screen') {
        url = screenUrl(context, name ?? '');
        title = name;
      } else {
        const page = isObject(context.page) ? context.page : {};
        const rawUrl = page.url ?? properties.url;
        if (rawUrl !== undefined && rawUrl !== null && rawUrl !== '') {
          if (typeof rawUrl !== 'string' || rawUrl.length > LIMITS.maxUrlLength || !(url = parsePageUrl(rawUrl))) {
            return reject('INVALID_URL', 'the page url must be an absolute http(s) URL, or an app URL with a host (app://shop/cart)');
          }
        }
        title = str(page.title, 1024) ?? str(properties.title, 1024) ?? name;
      }
      break;
    }
    case 'group': {
      const groupId = idField(raw, 'groupId');
      if (isRejection(groupId)) return groupId;
      if (groupId === undefined) return reject('MISSING_FIELD', 'a group call needs groupId');
      shaped = { event_name: CALL_EVENT_NAMES.group, properties: { group_id: groupId, traits } };
      break;
    }
    case 'alias': {
      const previousId = idField(raw, 'previousId');
      if (isRejection(previousId)) return previousId;
      if (previousId === undefined || userId === undefined) return reject('MISSING_FIELD', 'an alias call needs userId and previousId');
      shaped = { event_name: CALL_EVENT_NAMES.alias, properties: { user_id: userId, previous_id: previousId } };
      break;
    }
  }

  const sourceKey = `${type}\u0000${anonymousId ?? ''}\u0000${userId === undefined ? '' : `u${userId}`}\u0000${title === undefined ? '' : `t${title}`}`;
  let source = shared.sources.get(sourceKey);
  if (!source) {
    source = { ...shared.source, segment: { type, anonymous_id: anonymousId ?? null, user_id: userId ?? null } };
    if (title !== undefined) source.title = title;
    shared.sources.set(sourceKey, source);
  }
  // the message's own identity goes with its event (source_properties is shared by a sender's messages)
  if (typeof messageId === 'string') shaped.message_id = messageId;
  if (url === null && type !== 'page' && type !== 'screen') url = shared.pageUrl;
  return {
    type,
    anonymousId,
    userId,
    messageId: typeof messageId === 'string' ? messageId : undefined,
    eventTimeMicros: micros,
    eventType,
    properties: shaped,
    url,
    sourceType: shared.sourceType,
    source,
  };
}
