/**
 * What definition matching looks at: the URL parts of `source_properties.url`, the captured
 * element target of `event_properties.target`, and the event itself.
 */

/** A page URL split as in `source_properties.url` (DESIGN.md §2.1). */
export interface UrlParts {
  /** The whole URL, e.g. `https://shop.example/checkout?step=1#/pay?method=card`. */
  readonly full_url: string;
  /** Host name, optionally with a port (`shop.example`, `localhost:3000`); the port is ignored. */
  readonly host: string;
  /** URL path, e.g. `/checkout`. */
  readonly path: string;
  /** Query string with its `?` (or empty), e.g. `?step=1`. */
  readonly query: string;
  /** Path inside the fragment, without `#`, e.g. `/pay` (or `pricing` for `#pricing`). */
  readonly hash_path: string;
  /** Query inside the fragment with its `?` (or empty), e.g. `?method=card`. */
  readonly hash_query: string;
}

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

/**
 * Splits an absolute URL into {@link UrlParts}. Returns null when `url` is not an absolute URL.
 * The fragment is split at its first `?` into `hash_path` and `hash_query`.
 */
export function parseUrlParts(url: string): UrlParts | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const fragment = parsed.hash.startsWith('#') ? parsed.hash.slice(1) : parsed.hash;
  const questionMark = fragment.indexOf('?');
  return {
    full_url: parsed.href,
    host: parsed.host,
    path: parsed.pathname,
    query: parsed.search,
    hash_path: questionMark === -1 ? fragment : fragment.slice(0, questionMark),
    hash_query: questionMark === -1 ? '' : fragment.slice(questionMark),
  };
}
