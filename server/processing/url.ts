/** URL parts as stored in `source_properties.url` and `initial_referrer` (DESIGN.md §2.1). */
export interface UrlParts {
  full_url: string;
  host: string;
  path: string;
  query: string;
  hash_path: string;
  hash_query: string;
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
