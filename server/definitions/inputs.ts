/**
 * What definition matching looks at: the URL parts of `source_properties.url`, the captured
 * element target of `event_properties.target`, and the event itself.
 */

/** A page URL split as in `source_properties.url` (docs/warehouse-schema.md); one parser serves capture and matching. */
export { parseUrl as parseUrlParts, type UrlParts } from '../events/url.ts';

/** One captured element: the clicked one first, then its ancestors up to `html`. */
export interface CapturedElement {
  readonly tag: string;
  readonly id?: string | undefined;
  readonly classes?: readonly string[] | undefined;
  readonly attrs?: Readonly<Record<string, string>> | undefined;
}

/** The element target of an element event, as captured by the SDK (docs/capture-protocol.md). */
export interface CapturedTarget {
  readonly text?: string | undefined;
  readonly masked?: boolean | undefined;
  /** `path[0]` is the element the event landed on; the following entries are its ancestors. */
  readonly path: readonly CapturedElement[];
}

/** The event facts an event definition can test. */
export interface EventFacts {
  readonly eventType: string;
  /** `event_properties` of the event (custom properties, `event_name`, `target.text`, …). */
  readonly properties: Readonly<Record<string, unknown>>;
  /** The page definition of the event's page context, if any. */
  readonly pageDefinitionId: string | null;
  /** Every element definition the target matched, most specific first (main, then additional). */
  readonly elementDefinitionIds: readonly string[];
}
