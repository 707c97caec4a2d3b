/** URL parts as stored in `source_properties.url` and `initial_referrer` (docs/warehouse-schema.md). */
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
  const url = toUrl(raw);
  return url && urlParts(url);
}

function toUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

function urlParts(url: URL): UrlParts {
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

/**
 * Schemes that never name a page: script and inline-data URLs (stored as a page URL they would
 * reach dashboards and warehouses as links), local files and browser internals.
 */
const NON_PAGE_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'file:', 'blob:', 'about:', 'filesystem:', 'view-source:']);

/**
 * `parseUrl` for the URL of a page or app screen: an http(s) URL, or an app URL of a custom
 * scheme with a host (`app://shop/cart`); null for anything else (`javascript:…`, `data:…`,
 * `mailto:…`, an unparseable text).
 */
export function parsePageUrl(raw: string): UrlParts | null {
  const url = toUrl(raw);
  if (!url) return null;
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  if (!web && (NON_PAGE_SCHEMES.has(url.protocol) || url.host === '')) return null;
  return urlParts(url);
}
