/**
 * Wire types of the native capture protocol (`POST /capture/v1/batch`, see
 * docs/capture-protocol.md) as the web SDK sends them, and the SDK's options.
 */

/** Event types the web SDK emits. */
export type WebEventType = 'navigate' | 'click' | 'change' | 'load' | 'exception' | 'identify' | 'custom' | 'page_properties';

/** Why a `navigate` event happened (`event_properties.navigate_reason`). */
export type NavigateReason = 'navigate' | 'reload' | 'back_forward' | 'prerender';

/** One element of a target path: the element itself first, then its ancestors up to `html`. */
export interface TargetElement {
  /** Lower-case tag name. */
  tag: string;
  /** The `id` attribute, when the element has one. */
  id?: string;
  /** The class list, capped. */
  classes: string[];
  /** Selected attributes (type, name, role, href, aria-label, data-* …), capped. */
  attrs: Record<string, string>;
}

/** The element an interaction event (click, change) happened on. */
export interface Target {
  /** Visible text, whitespace-collapsed and capped; masked parts read `****`. */
  text: string;
  /** True when any part of the text or value was masked. */
  masked: boolean;
  /** The element first, then its ancestors up to `html`. */
  path: TargetElement[];
  /** Reserved for element properties; the SDK sends an empty object. */
  element_properties: Record<string, unknown>;
}

/** One event of a batch. */
export interface CaptureEvent {
  /** The client's own id of the event (a replay of the same id is stored once). */
  id: string;
  /** Monotonic per view, breaks ties of `time`. */
  seq: number;
  /** The page load this event belongs to (decimal int64 string). */
  view_id: string;
  /** Epoch milliseconds, by the device's clock. */
  time: number;
  type: WebEventType;
  /** `location.href` when the event happened. */
  url: string;
  /** The previous URL (navigate events only). */
  referrer?: string;
  /** The document title (navigate events only). */
  title?: string;
  properties?: Record<string, unknown>;
  target?: Target;
}

/** Context shared by every event of a batch. */
export interface CaptureContext {
  user_agent: string;
  /** `document.referrer` of the first page of the session. */
  initial_referrer?: string;
  title: string;
  screen_width: number;
  screen_height: number;
  viewport_width: number;
  viewport_height: number;
}

/** The request body of `POST /capture/v1/batch`. */
export interface CaptureBatch {
  sdk: { name: 'tributary-web'; version: string };
  source_type: 'web';
  device_id: string;
  session_id: string;
  context: CaptureContext;
  events: CaptureEvent[];
}

/** Options of {@link init}. Only `key` is required. */
export interface TributaryOptions {
  /** The capture key (`tc_…`); public, it can only write events. */
  key: string;
  /** Full URL of the batch endpoint. Default: `/capture/v1/batch` on the page's origin. */
  endpoint?: string;
  /**
   * `granted` (default) starts capturing at once; `pending` captures nothing, sets no cookie and
   * only buffers API calls until `consent(true)`.
   */
  consent?: 'granted' | 'pending';
  /** Domain attribute of the device cookie, to share one device across sub-domains. */
  cookieDomain?: string;
  /** Longest time an event waits in the queue before it is sent. Default 2000. */
  flushIntervalMillis?: number;
  /** Events per request; a full batch is sent at once. Default 50 (the endpoint accepts 500). */
  maxBatchEvents?: number;
}

/** Traits of {@link TributaryClient.identify}. `email` and `displayName` get their own columns. */
export interface UserTraits {
  email?: string;
  displayName?: string;
  [property: string]: unknown;
}

/** The public API, the same on the `tributary` global and the ESM entry. */
export interface TributaryClient {
  /** Attach a user to this device; sends an `identify` event. */
  identify(userId: string | number, traits?: UserTraits): void;
  /** Send a `custom` event named `name` with the given properties. */
  track(name: string, properties?: Record<string, unknown>): void;
  /** Send a `page_properties` event describing the current page. */
  setPageProperties(properties: Record<string, unknown>): void;
  /**
   * `true` starts (or resumes) capture; `false` stops it, drops every queued event and forgets
   * the device and session ids.
   */
  consent(granted: boolean): void;
  /** Send the queued events now. */
  flush(): void;
}
