import { parseEventTime } from '../processing/time.ts';
import { parsePageUrl, type UrlParts } from '../processing/url.ts';
import type { UserAgentParser } from '../processing/user-agent.ts';
import { checkEventTime, checkProperties, LIMITS, reject, Rejection } from './limits.ts';
import { cutText } from './text.ts';

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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRejection = (v: unknown): v is Rejection => v instanceof Rejection;
const str = (v: unknown, max: number): string | undefined => (typeof v === 'string' && v !== '' ? cutText(v, max) : undefined);

export interface SegmentMessageContext {
  now: number;
  /** `POST /v1/batch` or the single call's path. */
  entrypoint: string;
  /** The type of a single-call endpoint (`/v1/track` …); undefined in a batch (each message says). */
  type: SegmentType | undefined;
  /** The batch's `sentAt`, for the messages without their own. */
  batchSentAt: unknown;
  parseUserAgent: UserAgentParser;
  /** `source_properties.location` from a trusted proxy, when configured. */
  location: Record<string, unknown> | undefined;
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
  if (typeof v !== 'string' || v.length > MAX_ID_LENGTH) return reject('INVALID_FIELD', `${key} must be a string of at most ${MAX_ID_LENGTH} characters`);
  return v;
}

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
  const sentRaw = raw.sentAt ?? ctx.batchSentAt;
  let micros = original;
  if (sentRaw !== undefined && sentRaw !== null) {
    const sent = parseEventTime(sentRaw);
    if (sent === undefined) return reject('INVALID_TIMESTAMP', 'sentAt must be an ISO-8601 timestamp with an offset');
    micros = original + (ctx.now * 1000 - sent);
  }
  const problem = checkEventTime(micros, ctx.now);
  return problem ? reject(problem.code, problem.message.replace(/^time\b/, 'timestamp')) : micros;
}

const MOBILE_OS = /^(ios|ipados|tvos|watchos|android)$/i;

/**
 * Where the message came from: an app (`context.app`, or an iOS/Android `context.os`), a web page
 * (`context.page` or `context.userAgent`, as analytics.js sends), else a server library.
 */
function sourceTypeOf(context: Record<string, unknown>): ParsedSegmentMessage['sourceType'] {
  if (isObject(context.app) || (isObject(context.os) && typeof context.os.name === 'string' && MOBILE_OS.test(context.os.name))) return 'mobile_app';
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

function sourceProperties(
  context: Record<string, unknown>,
  sourceType: ParsedSegmentMessage['sourceType'],
  segment: Record<string, unknown>,
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
    segment,
  };
  const location = { ...ctx.location, ...pick(context.location, ['country', 'region', 'city', 'latitude', 'longitude']) };
  if (typeof context.ip === 'string' && context.ip !== '') location.ip_address = cutText(context.ip, 64);
  if (typeof location.latitude === 'number' && typeof location.longitude === 'number') location.lat_long = `${location.latitude},${location.longitude}`;
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

/** `app://<app id>/<screen name>`: a screen as the URL path of its app (hosts are lowercase, a-z 0-9 . -). */
function screenUrl(context: Record<string, unknown>, name: string): UrlParts | null {
  const app = isObject(context.app) ? context.app : {};
  const id = [app.namespace, app.name].find((v): v is string => typeof v === 'string' && v !== '') ?? 'app';
  const host = id.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '').slice(0, 253) || 'app';
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
  if (!isSegmentType(type)) return reject('UNKNOWN_EVENT_TYPE', `type "${cutText(type, 64)}" is not track, identify, page, screen, group or alias`);

  const anonymousId = idField(raw, 'anonymousId');
  if (isRejection(anonymousId)) return anonymousId;
  const userId = idField(raw, 'userId');
  if (isRejection(userId)) return userId;
  if (anonymousId === undefined && userId === undefined) return reject('MISSING_FIELD', 'anonymousId or userId is required');
  const messageId = raw.messageId;
  if (messageId !== undefined && messageId !== null && (typeof messageId !== 'string' || messageId.length > LIMITS.maxClientIdLength)) {
    return reject('INVALID_FIELD', `messageId must be a string of at most ${LIMITS.maxClientIdLength} characters`);
  }

  const micros = eventTime(raw, ctx);
  if (isRejection(micros)) return micros;
  const problem = checkProperties(raw.context, 'context') ?? checkProperties(raw.properties, 'properties') ?? checkProperties(raw.traits, 'traits');
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
      if (typeof event !== 'string' || event === '' || event.length > 256) return reject('MISSING_FIELD', 'a track call needs event (1 to 256 characters)');
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

  const sourceType = sourceTypeOf(context);
  const segment = {
    type,
    message_id: typeof messageId === 'string' ? messageId : null,
    anonymous_id: anonymousId ?? null,
    user_id: userId ?? null,
  };
  const source = sourceProperties(context, sourceType, segment, ctx);
  if (title !== undefined) source.title = title;
  if (url === null && type !== 'page' && type !== 'screen' && isObject(context.page) && typeof context.page.url === 'string') {
    // a track (or identify …) on a web page: the page it happened on; a bad URL there is dropped, the event kept
    url = context.page.url.length <= LIMITS.maxUrlLength ? parsePageUrl(context.page.url) : null;
  }
  return { type, anonymousId, userId, messageId: segment.message_id ?? undefined, eventTimeMicros: micros, eventType, properties: shaped, url, sourceType, source };
}
