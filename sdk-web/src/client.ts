import { createIdentity } from './identity.js';
import { randomId } from './ids.js';
import { describeTarget } from './target.js';
import { cutText } from './text.js';
import { createTransport } from './transport.js';
import type { CaptureEvent, NavigateReason, Target, TributaryClient, TributaryOptions, UserTraits, WebEventType } from './types.js';

declare const __TRIBUTARY_VERSION__: string | undefined;
/** The SDK's version (from sdk-web/package.json, set by the build). */
export const SDK_VERSION = typeof __TRIBUTARY_VERSION__ === 'string' ? __TRIBUTARY_VERSION__ : '0.0.0-dev';

const MAX_EXCEPTIONS_PER_VIEW = 25;
const MAX_BUFFERED_CALLS = 100;
const MESSAGE_CAP = 1000;
const STACK_CAP = 2000;
const PAINT_METRICS = [
  ['first-paint', 'first_paint_time_millis'],
  ['first-contentful-paint', 'first_contentful_paint_time_millis'],
] as const;

/** Wrap `fn` so that nothing it throws ever reaches the host page. */
export function guard<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch {
      // Analytics must never break the page it observes.
    }
  };
}

/** A JSON-safe snapshot of what the page handed us (throws on cycles and BigInts, dropping the call). */
const snapshot = (value: object | undefined): Record<string, unknown> => JSON.parse(JSON.stringify(value ?? {}));

function initialNavigateReason(): NavigateReason {
  const type: string | undefined = (performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined)?.type;
  return type === 'reload' || type === 'back_forward' || type === 'prerender' ? type : 'navigate';
}

function describeError(error: unknown): { message: string; stack?: string } {
  const candidate = error as { message?: unknown; stack?: unknown } | null | undefined;
  return {
    message: typeof candidate?.message === 'string' ? candidate.message : String(error),
    stack: typeof candidate?.stack === 'string' ? candidate.stack : undefined,
  };
}

/**
 * One capturing client for this page. Most pages want the `tributary` global (script tag) or
 * `init()` of the ESM entry, which hold a single client; this factory is what they call.
 */
export function createTributary(options: TributaryOptions): TributaryClient {
  if (!options?.key) throw new Error('tributary: a capture key is required');
  const identity = createIdentity(options.cookieDomain);
  const transport = createTransport({
    endpoint: options.endpoint ?? location.origin + '/capture/v1/batch',
    key: options.key,
    flushIntervalMillis: options.flushIntervalMillis ?? 2000,
    maxBatchEvents: Math.min(options.maxBatchEvents ?? 50, 500),
    envelope: () => ({
      sdk: { name: 'tributary-web', version: SDK_VERSION },
      source_type: 'web',
      device_id: identity.deviceId(),
      context: {
        user_agent: navigator.userAgent,
        title: document.title,
        screen_width: screen.width,
        screen_height: screen.height,
        viewport_width: innerWidth,
        viewport_height: innerHeight,
      },
    }),
  });

  // undefined: not decided yet (data-consent="pending"); API calls are buffered until it is.
  let consent: boolean | undefined = options.consent === 'pending' ? undefined : true;
  let capturing = false;
  let listening = false;
  let buffered: Array<() => void> = [];
  const viewId = randomId();
  let seq = 0;
  let lastUrl = '';
  let exceptions = 0;
  // Set from the Navigation API where the browser has it: tells a back/forward traversal apart
  // from a fragment link, which both fire popstate.
  let traversing = false;

  function record(
    type: WebEventType,
    properties?: Record<string, unknown>,
    target?: Target,
    extra?: Partial<CaptureEvent>,
  ): CaptureEvent | undefined {
    if (!capturing) return undefined;
    const now = Date.now();
    const event: CaptureEvent = { id: randomId(), seq: ++seq, view_id: viewId, time: now, type, url: location.href, ...extra };
    if (properties) event.properties = properties;
    if (target) event.target = target;
    transport.enqueue({ session: identity.touchSession(now), event });
    return event;
  }

  function navigate(reason: NavigateReason, always = false): void {
    const url = location.href;
    if (url === lastUrl && !always) return;
    const referrer = lastUrl || document.referrer;
    lastUrl = url;
    const event = record(
      'navigate',
      { navigate_reason: reason },
      undefined,
      referrer ? { referrer, title: document.title } : { title: document.title },
    );
    // Routers usually set the new title just after they change the URL.
    if (event) setTimeout(guard(() => (event.title = document.title)));
  }

  function interaction(type: 'click' | 'change', event: Event): void {
    let node = event.target as Node | null;
    if (node && node.nodeType !== Node.ELEMENT_NODE) node = node.parentElement;
    const target = node && describeTarget(node as Element);
    if (target) record(type, undefined, target);
  }

  function exception(message: string | undefined, file: string | undefined, error: unknown): void {
    if (exceptions++ >= MAX_EXCEPTIONS_PER_VIEW) return;
    const described = describeError(error);
    const properties: Record<string, unknown> = {
      message: cutText(message || described.message, MESSAGE_CAP),
      exception_source_file: file || /((?:https?|file):\/\/[^\s()@]+?):\d+:\d+/.exec(described.stack ?? '')?.[1] || '',
      is_exception_handled: false,
    };
    if (described.stack) properties.exception_stack = cutText(described.stack, STACK_CAP);
    record('exception', properties);
  }

  function captureLoad(): void {
    const timing = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    if (!timing) return;
    const properties: Record<string, number> = {
      load_time_millis: Math.round(timing.loadEventEnd),
      dom_content_time_millis: Math.round(timing.domContentLoadedEventEnd),
      time_to_first_byte_millis: Math.round(timing.responseStart),
    };
    for (const [entryName, property] of PAINT_METRICS) {
      const paint = performance.getEntriesByName(entryName)[0];
      if (paint) properties[property] = Math.round(paint.startTime);
    }
    record('load', properties);
  }

  function patchHistory(method: 'pushState' | 'replaceState'): void {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      guard(navigate)('navigate');
      return result;
    };
  }

  function listen(): void {
    listening = true;
    const on = <E extends Event>(target: EventTarget, type: string, handler: (event: E) => void, capture = false) =>
      target.addEventListener(type, guard(handler) as EventListener, { capture, passive: true });
    const navigation = (window as { navigation?: EventTarget }).navigation;
    if (navigation)
      on(navigation, 'navigate', (event: Event & { navigationType?: string }) => (traversing = event.navigationType === 'traverse'));
    on(document, 'click', (event) => interaction('click', event), true);
    on(document, 'change', (event) => interaction('change', event), true);
    // capture phase: runs before the page's own popstate listeners (which may record page
    // properties of the new route), whatever order the scripts loaded in
    on(window, 'popstate', () => navigate(navigation && !traversing ? 'navigate' : 'back_forward'), true);
    on(window, 'hashchange', () => navigate(traversing ? 'back_forward' : 'navigate'));
    on(window, 'pageshow', (event: PageTransitionEvent) => event.persisted && navigate('back_forward', true));
    on(window, 'pagehide', () => transport.flushWithBeacon());
    on(document, 'visibilitychange', () => document.visibilityState === 'hidden' && transport.flushWithBeacon());
    on(window, 'error', (event: ErrorEvent) => exception(event.message, event.filename, event.error));
    on(window, 'unhandledrejection', (event: PromiseRejectionEvent) => exception(undefined, undefined, event.reason));
    patchHistory('pushState');
    patchHistory('replaceState');
    if (document.readyState === 'complete') setTimeout(guard(captureLoad));
    else on(window, 'load', () => setTimeout(guard(captureLoad)));
  }

  function start(): void {
    if (!consent || capturing) return;
    if ((document as { prerendering?: boolean }).prerendering) {
      document.addEventListener('prerenderingchange', guard(start), { once: true });
      return;
    }
    capturing = true;
    identity.deviceId(); // sets (or renews) the device cookie on every page load
    navigate(listening ? 'navigate' : initialNavigateReason(), true);
    if (!listening) listen();
    for (const call of buffered.splice(0)) call();
  }

  /** A public method: never throws, and waits for consent (or prerender activation) when needed. */
  function api<A extends unknown[]>(method: (...args: A) => void): (...args: A) => void {
    const safe = guard(method);
    return (...args) => {
      if (capturing) safe(...args);
      else if (consent !== false && buffered.length < MAX_BUFFERED_CALLS) buffered.push(() => safe(...args));
    };
  }

  const client: TributaryClient = {
    identify: api((userId: string | number, traits?: UserTraits) => {
      const { email, displayName, ...userProperties } = snapshot(traits);
      const properties: Record<string, unknown> = { user_id: String(userId), user_properties: userProperties };
      if (email != null) properties.user_email = String(email);
      if (displayName != null) properties.user_display_name = String(displayName);
      record('identify', properties);
    }),
    track: api((name: string, properties?: Record<string, unknown>) =>
      record('custom', { ...snapshot(properties), event_name: String(name) }),
    ),
    setPageProperties: api((properties: Record<string, unknown>) => record('page_properties', snapshot(properties))),
    consent: guard((granted: boolean) => {
      consent = !!granted;
      if (consent) return start();
      capturing = false;
      buffered = [];
      transport.clear();
      identity.forget();
    }),
    flush: guard(() => transport.flush()),
  };
  start();
  return client;
}
