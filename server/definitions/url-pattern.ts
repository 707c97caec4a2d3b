/**
 * Wildcard patterns over URL parts, matched without regexes so that no pattern can backtrack
 * badly: segments are compared with the classic two-pointer wildcard algorithm, which is
 * O(pattern × input) in the worst case.
 *
 * - the value is split into segments (`.` for hosts, `/` for paths and fragments);
 * - `**` standing alone as a segment matches any number of segments, zero included;
 * - `*` inside a segment matches any run of characters (empty included) within that segment;
 * - every other character is literal; a trailing separator is ignored on both sides.
 */

/** Which URL part a pattern applies to. */
export type UrlPatternKind = 'host' | 'path' | 'fragment';

const ANY_DEPTH = '**';

/** A segment pattern: a literal, `**`, or literal pieces separated by `*`. */
type SegmentPattern =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'any-depth' }
  | { readonly kind: 'glob'; readonly pieces: readonly string[] };

/** A compiled URL pattern. */
export interface UrlPattern {
  readonly segments: readonly SegmentPattern[];
}

const SEPARATOR: Record<UrlPatternKind, string> = { host: '.', path: '/', fragment: '/' };

/** Returns a readable reason why `pattern` is not a valid pattern of `kind`, or null. */
export function checkUrlPattern(pattern: string, kind: UrlPatternKind): string | null {
  if (pattern.length === 0) return 'pattern is empty (leave the field out to match anything)';
  if (/\s/.test(pattern)) return `pattern "${pattern}" contains whitespace`;
  if (pattern.includes('***')) return `pattern "${pattern}" contains "***"; use "*" within a segment or "**" for any depth`;
  if (kind === 'host' && /[/:?#@]/.test(pattern)) {
    return `host pattern "${pattern}" must be a host name only (no scheme, port, path or query)`;
  }
  if (kind === 'path' && !pattern.startsWith('/')) return `path pattern "${pattern}" must start with "/"`;
  if (kind !== 'host' && /[?#]/.test(pattern)) {
    return `${kind} pattern "${pattern}" must not contain "?" or "#"; use query conditions for parameters`;
  }
  const separator = SEPARATOR[kind];
  for (const segment of pattern.split(separator)) {
    if (segment.includes(ANY_DEPTH) && segment !== ANY_DEPTH) {
      return `"**" must be a whole segment (between "${separator}"), found "${segment}" in "${pattern}"`;
    }
  }
  return null;
}

function decodeSegment(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Normalises a value of `kind` and splits it into segments (the same way for patterns and values). */
export function splitUrlPart(value: string, kind: UrlPatternKind): string[] {
  if (kind === 'host') {
    const host = value.toLowerCase().replace(/:\d*$/, '');
    return (host.endsWith('.') ? host.slice(0, -1) : host).split('.');
  }
  const trimmed = value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value;
  return trimmed.split('/').map(decodeSegment);
}

/** Compiles a pattern already accepted by {@link checkUrlPattern}. */
export function compileUrlPattern(pattern: string, kind: UrlPatternKind): UrlPattern {
  const segments = splitUrlPart(pattern, kind).map((segment): SegmentPattern => {
    if (segment === ANY_DEPTH) return { kind: 'any-depth' };
    if (!segment.includes('*')) return { kind: 'literal', text: segment };
    return { kind: 'glob', pieces: segment.split('*') };
  });
  return { segments };
}

function matchGlob(pieces: readonly string[], value: string): boolean {
  const first = pieces[0] ?? '';
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let position = first.length;
  const end = value.length - last.length;
  for (let index = 1; index < pieces.length - 1; index++) {
    const piece = pieces[index] ?? '';
    const found = value.indexOf(piece, position);
    if (found === -1 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}

function matchSegment(pattern: SegmentPattern, value: string): boolean {
  if (pattern.kind === 'literal') return pattern.text === value;
  if (pattern.kind === 'glob') return matchGlob(pattern.pieces, value);
  return false;
}

/** Tests segments (from {@link splitUrlPart}) against a compiled pattern. */
export function matchUrlPattern(pattern: UrlPattern, values: readonly string[]): boolean {
  const segments = pattern.segments;
  let p = 0;
  let v = 0;
  let starP = -1;
  let starV = 0;
  while (v < values.length) {
    const segment = segments[p];
    if (segment !== undefined && segment.kind === 'any-depth') {
      starP = p++;
      starV = v;
    } else if (segment !== undefined && matchSegment(segment, values[v] ?? '')) {
      p++;
      v++;
    } else if (starP !== -1) {
      p = starP + 1;
      v = ++starV;
    } else {
      return false;
    }
  }
  while (segments[p]?.kind === 'any-depth') p++;
  return p === segments.length;
}
