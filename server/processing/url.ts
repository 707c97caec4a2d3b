/** URL parts as stored in `source_properties.url` and `initial_referrer` (DESIGN.md §2.1). */
export interface UrlParts {
  /** The whole URL, e.g. `https://shop.example/checkout?step=1#/pay?method=card`. */
  readonly full_url: string;
  /** Host name, optionally with a port (`shop.example`, `localhost:3000`). */
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

/** Splits a URL into its parts; hash routes (`#/cart?x=1`) give `hash_path` and `hash_query`. */
export function parseUrl(raw: string): UrlParts | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  const hash = url.hash.startsWith('#') ? url.hash.slice(1) : url.hash;
  const q = hash.indexOf('?');
  return {
    full_url: url.href,
    host: url.host,
    path: url.pathname,
    query: url.search,
    hash_path: q === -1 ? hash : hash.slice(0, q),
    hash_query: q === -1 ? '' : hash.slice(q),
  };
}
