import type { CapturedElement, CapturedEvent, CapturedTarget } from '../../events/captured-event.ts';
import { ELEMENT_EVENT_TYPES, EVENT_TYPES } from '../../events/event-types.ts';
import { parseInt64 } from '../../events/ids.ts';
import { parseEventTime } from '../../events/time.ts';
import { parsePageUrl } from '../../events/url.ts';
import type { UserAgentParser } from '../../processing/user-agent.ts';
import { checkEventTime, checkProperties, isObject, LIMITS, reject, Rejection } from '../limits.ts';
import { shapeProperties } from '../properties.ts';
import { cutText } from '../text.ts';

export const NATIVE_ENTRYPOINT = 'POST /capture/v1/batch';

export interface BatchContext {
  orgId: string;
  now: number;
  userAgentHeader: string | undefined;
  /** `source_properties.location` from a trusted proxy, when configured. */
  location: Record<string, unknown> | undefined;
  parseUserAgent: UserAgentParser;
}

export type NativeBatchResult =
  | { ok: true; events: CapturedEvent[]; indexes: number[]; rejected: { index: number; code: string; message: string }[] }
  | { ok: false; rejection: Rejection };

const isRejection = (v: object): v is Rejection => v instanceof Rejection;
const str = (v: unknown, max: number = LIMITS.maxStringLength) => (typeof v === 'string' ? cutText(v, max) : undefined);

/**
 * Validates a native SDK batch (docs/capture-protocol.md). A malformed envelope rejects the
 * request; a malformed event rejects only that event, and the valid ones are kept.
 */
export function parseNativeBatch(body: unknown, ctx: BatchContext): NativeBatchResult {
  if (!isObject(body)) return { ok: false, rejection: reject('INVALID_BATCH', 'the body must be a JSON object') };
  if (!Array.isArray(body.events)) return { ok: false, rejection: reject('INVALID_BATCH', 'events must be an array') };
  if (body.events.length > LIMITS.maxEventsPerBatch) {
    return { ok: false, rejection: reject('BATCH_TOO_LARGE', `a batch holds at most ${LIMITS.maxEventsPerBatch} events`) };
  }
  const deviceId = parseInt64(body.device_id);
  if (!deviceId)
    return { ok: false, rejection: reject('INVALID_BATCH', 'device_id must be a positive int64 (decimal string or safe integer)') };
  const sourceType = body.source_type ?? 'web';
  if (sourceType !== 'web' && sourceType !== 'mobile_app') {
    return { ok: false, rejection: reject('INVALID_BATCH', 'source_type must be "web" or "mobile_app"') };
  }
  if (body.session_id !== undefined && body.session_id !== null && !parseInt64(body.session_id)) {
    return { ok: false, rejection: reject('INVALID_BATCH', 'session_id must be a positive int64') };
  }
  const sharedContext = isObject(body.context) ? body.context : {};
  const sdk = isObject(body.sdk) ? { name: str(body.sdk.name, 64) ?? 'unknown', version: str(body.sdk.version, 32) ?? null } : null;

  const events: CapturedEvent[] = [];
  const indexes: number[] = [];
  const rejected: { index: number; code: string; message: string }[] = [];
  const batch: BatchShared = {
    deviceId,
    sourceType,
    sharedContext,
    sharedContextProblem: checkProperties(sharedContext, 'context'),
    sdk,
    batchSessionId: body.session_id,
    capturedTime: new Date(ctx.now),
  };
  body.events.forEach((raw, index) => {
    const result = parseNativeEvent(raw, index, batch, ctx);
    if (isRejection(result)) rejected.push({ index, code: result.code, message: result.message });
    else {
      events.push(result);
      indexes.push(index);
    }
  });
  return { ok: true, events, indexes, rejected };
}

/** What the events of a batch share: computed once per batch, not once per event. */
interface BatchShared {
  deviceId: string;
  sourceType: 'web' | 'mobile_app';
  sharedContext: Record<string, unknown>;
  sharedContextProblem: Rejection | null;
  sdk: { name: string; version: string | null } | null;
  batchSessionId: unknown;
  capturedTime: Date;
  /** `source_properties` of the events with neither a context nor a title of their own. */
  sharedSource?: Record<string, unknown>;
}

function parseNativeEvent(raw: unknown, index: number, batch: BatchShared, ctx: BatchContext): CapturedEvent | Rejection {
  if (!isObject(raw)) return reject('INVALID_EVENT', `event ${index} must be an object`);
  const id = raw.id;
  if (typeof id !== 'string' || id.length === 0 || id.length > LIMITS.maxClientIdLength) {
    return reject('MISSING_FIELD', `id must be a string of 1 to ${LIMITS.maxClientIdLength} characters`);
  }
  const type = raw.type;
  if (typeof type !== 'string') return reject('MISSING_FIELD', 'type is required');
  if (!EVENT_TYPES.has(type)) return reject('UNKNOWN_EVENT_TYPE', `type "${cutText(type, 64)}" is not a known event type`);
  const seq = raw.seq ?? 0;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0)
    return reject('INVALID_FIELD', 'seq must be a non-negative integer');
  const micros = parseEventTime(raw.time);
  const timeProblem = checkEventTime(micros, ctx.now);
  if (timeProblem) return timeProblem;
  const sessionRaw = raw.session_id ?? batch.batchSessionId;
  const sessionId = sessionRaw === undefined || sessionRaw === null ? null : parseInt64(sessionRaw);
  if (sessionId === undefined) return reject('INVALID_FIELD', 'session_id must be a positive int64');
  const viewId = raw.view_id === undefined || raw.view_id === null ? null : parseInt64(raw.view_id);
  if (viewId === undefined) return reject('INVALID_FIELD', 'view_id must be a positive int64');

  let url = null;
  if (raw.url !== undefined && raw.url !== null) {
    if (typeof raw.url !== 'string' || raw.url.length > LIMITS.maxUrlLength || !(url = parsePageUrl(raw.url))) {
      return reject('INVALID_URL', 'url must be an absolute http(s) URL, or an app URL with a host (app://shop/cart)');
    }
  }
  const propertiesProblem = checkProperties(raw.properties, 'properties');
  if (propertiesProblem) return propertiesProblem;
  const properties = (raw.properties as Record<string, unknown> | undefined) ?? {};
  const shaped = shapeProperties(type, properties);
  if (isRejection(shaped)) return shaped;

  let target: CapturedTarget | null = null;
  if (raw.target !== undefined && raw.target !== null) {
    const parsed = parseTarget(raw.target);
    if (isRejection(parsed)) return parsed;
    target = parsed;
  } else if (ELEMENT_EVENT_TYPES.has(type) && type !== 'element_seen') {
    return reject('MISSING_FIELD', `a ${type} event needs a target`);
  }

  const ownContext = isObject(raw.context);
  const context = ownContext ? { ...batch.sharedContext, ...(raw.context as Record<string, unknown>) } : batch.sharedContext;
  const contextProblem = ownContext ? checkProperties(context, 'context') : batch.sharedContextProblem;
  if (contextProblem) return contextProblem;
  const title = str(raw.title, 1024);
  const source =
    ownContext || title !== undefined
      ? sourceProperties(context, batch, ctx, title)
      : (batch.sharedSource ??= sourceProperties(context, batch, ctx, undefined));
  return {
    orgId: ctx.orgId,
    dedupKey: `${batch.deviceId}:${id}`,
    seq,
    deviceId: batch.deviceId,
    sessionId,
    viewId,
    eventTimeMicros: micros!,
    capturedTime: batch.capturedTime,
    eventType: type,
    properties: shaped,
    url,
    target,
    sourceType: batch.sourceType,
    source,
  };
}

const TAG = /^[a-z][a-z0-9-]{0,63}$/i;
const ELEMENT_KEYS = new Set(['tag', 'id', 'classes', 'attrs']);
/** What a target path element keeps: cleanElement cuts to these, isCleanElement checks them. */
const ELEMENT_LIMITS = { id: 256, classes: 32, className: 128, attrs: 32, attrName: 128, attrValue: 1024 };

/**
 * Whether a path element as sent is already what cleanElement would make of it (the SDK's
 * always is): then it is kept as is, saving the copy of every element of every click.
 */
function isCleanElement(node: Record<string, unknown>): node is Record<string, unknown> & CapturedElement {
  for (const key in node) if (!ELEMENT_KEYS.has(key)) return false;
  const { tag, id, classes, attrs } = node as { tag: string; id?: unknown; classes?: unknown; attrs?: unknown };
  if (tag !== tag.toLowerCase()) return false;
  if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > ELEMENT_LIMITS.id)) return false;
  if (classes !== undefined) {
    if (!Array.isArray(classes) || classes.length > ELEMENT_LIMITS.classes) return false;
    for (const c of classes) if (typeof c !== 'string' || c.length > ELEMENT_LIMITS.className) return false;
  }
  if (attrs !== undefined) {
    if (!isObject(attrs)) return false;
    let n = 0;
    for (const k in attrs) {
      const v = attrs[k];
      if (
        ++n > ELEMENT_LIMITS.attrs ||
        k.length > ELEMENT_LIMITS.attrName ||
        typeof v !== 'string' ||
        v.length > ELEMENT_LIMITS.attrValue
      ) {
        return false;
      }
    }
  }
  return true;
}

/** A path element with only the known fields, each of the expected type and cut to its limit. */
function cleanElement(node: Record<string, unknown> & { tag: string }): CapturedElement {
  const el: CapturedElement = { tag: node.tag.toLowerCase() };
  if (typeof node.id === 'string' && node.id) el.id = cutText(node.id, ELEMENT_LIMITS.id);
  if (Array.isArray(node.classes)) {
    el.classes = node.classes
      .filter((c): c is string => typeof c === 'string')
      .slice(0, ELEMENT_LIMITS.classes)
      .map((c) => cutText(c, ELEMENT_LIMITS.className));
  }
  if (isObject(node.attrs)) {
    el.attrs = {};
    for (const [k, v] of Object.entries(node.attrs).slice(0, ELEMENT_LIMITS.attrs)) {
      if (typeof v === 'string') el.attrs[cutText(k, ELEMENT_LIMITS.attrName)] = cutText(v, ELEMENT_LIMITS.attrValue);
    }
  }
  return el;
}

function parseTarget(raw: unknown): CapturedTarget | Rejection {
  if (!isObject(raw) || !Array.isArray(raw.path) || raw.path.length === 0) {
    return reject('INVALID_TARGET', 'target.path must be a non-empty array (the element, then its ancestors)');
  }
  if (raw.path.length > LIMITS.maxTargetPathLength) {
    return reject('INVALID_TARGET', `target.path holds at most ${LIMITS.maxTargetPathLength} elements`);
  }
  const path: CapturedElement[] = [];
  for (const node of raw.path) {
    if (!isObject(node) || typeof node.tag !== 'string' || !TAG.test(node.tag)) {
      return reject('INVALID_TARGET', 'each target.path element needs a tag name');
    }
    path.push(isCleanElement(node) ? node : cleanElement(node as Record<string, unknown> & { tag: string }));
  }
  const elementProblem = checkProperties(raw.element_properties, 'target.element_properties');
  if (elementProblem) return elementProblem;
  return {
    text: str(raw.text, 1024) ?? null,
    masked: raw.masked === true,
    path,
    element_properties: (raw.element_properties as Record<string, unknown> | undefined) ?? {},
  };
}

function sourceProperties(
  context: Record<string, unknown>,
  batch: { sourceType: string; sdk: { name: string; version: string | null } | null },
  ctx: BatchContext,
  title: string | undefined,
): Record<string, unknown> {
  // An app sends from its own HTTP stack (or through a server): its User-Agent header names that,
  // not the device, which only context.user_agent describes.
  const rawUserAgent = str(context.user_agent, 1024) ?? (batch.sourceType === 'web' ? ctx.userAgentHeader : undefined);
  // a referrer that is no page URL (javascript:, unparseable …) is dropped, the event kept
  const referrer =
    typeof context.initial_referrer === 'string' && context.initial_referrer.length <= LIMITS.maxUrlLength
      ? parsePageUrl(context.initial_referrer)
      : null;
  const source: Record<string, unknown> = {
    entrypoint: NATIVE_ENTRYPOINT,
    origin: 'dom',
    integration: batch.sdk?.name ?? 'unknown',
    sdk: batch.sdk,
    user_agent: rawUserAgent ? ctx.parseUserAgent(rawUserAgent) : null,
    initial_referrer: referrer,
    // only the event's own title: the batch context's title is the page showing when the batch
    // was sent, not necessarily the page the event happened on
    title: title ?? null,
  };
  if (ctx.location) source.location = ctx.location;
  const device: Record<string, unknown> = isObject(context.device) ? { ...context.device } : {};
  for (const key of ['screen_width', 'screen_height', 'viewport_width', 'viewport_height']) {
    if (typeof context[key] === 'number') device[key] = context[key];
  }
  if (Object.keys(device).length > 0) source.device = device;
  if (isObject(context.app)) source.app = context.app;
  return source;
}
