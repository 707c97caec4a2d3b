import type { UrlParts } from './url.ts';

/** One element of the captured ancestry: `path[0]` is the element acted on, then its ancestors. */
export interface CapturedElement {
  tag: string;
  id?: string;
  classes?: string[];
  attrs?: Record<string, string>;
}

export interface CapturedTarget {
  text: string | null;
  masked: boolean;
  path: CapturedElement[];
  element_properties: Record<string, unknown>;
}

/**
 * An event after its capture endpoint validated and normalised it, before processing. Every
 * capture endpoint (native SDK batch, server API) produces these; processing never sees raw
 * request bodies.
 */
export interface CapturedEvent {
  orgId: string;
  /** Identity of the client event: replays with the same key are stored once. */
  dedupKey: string;
  /** Client sequence number: breaks ties of `eventTime` within a view. */
  seq: number;
  deviceId: string;
  sessionId: string | null;
  viewId: string | null;
  eventTimeMicros: number;
  capturedTime: Date;
  eventType: string;
  /** Type-specific properties, already in their `event_properties` shape (without definition ids). */
  properties: Record<string, unknown>;
  /** The event's own page URL; null when it should take the view's page context. */
  url: UrlParts | null;
  target: CapturedTarget | null;
  sourceType: 'web' | 'mobile_app' | 'server';
  /** `source_properties` without `url` and `page_definition_id`, which processing adds. */
  source: Record<string, unknown>;
}
