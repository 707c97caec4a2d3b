/**
 * Well-formed text for the store. Postgres `text` and `jsonb` refuse U+0000, and `jsonb` refuses
 * a lone UTF-16 surrogate (which JSON can carry as an escape, `"\ud800"`, and which a cut in the
 * middle of a surrogate pair makes from valid text). Both become U+FFFD on the way in, so the
 * event is kept rather than refused, and every cut of text keeps code points whole.
 */

const REPLACEMENT = '\ufffd';

/**
 * `text` cut to at most `max` UTF-16 units, never between the two halves of a surrogate pair
 * (the pair is dropped whole: the result may be one unit shorter than `max`).
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** `text` with every U+0000 and lone surrogate replaced by U+FFFD. */
export function wellFormedText(text: string): string {
  const formed = text.isWellFormed() ? text : text.toWellFormed();
  return formed.includes('\u0000') ? formed.replaceAll('\u0000', REPLACEMENT) : formed;
}

const needsFixing = (text: string) => !text.isWellFormed() || text.includes('\u0000');

/**
 * Whether the JSON text `json` may decode to strings `wellFormed` would change. U+0000 and lone
 * surrogates can only come from `\u` escapes (JSON forbids a raw control character, and decoding
 * UTF-8 never yields a lone surrogate), and the SDKs' JSON.stringify escapes nothing else that
 * way: most bodies are passed by one substring search.
 */
export function mayNeedWellFormed(json: string): boolean {
  return json.includes('\\u') && /\\u(?:0000|[dD][89a-fA-F])/.test(json);
}

/**
 * Makes every string and property name in a parsed JSON value well-formed (`wellFormedText`), in
 * place. Iterative, so a body of 100,000 nested arrays cannot overflow the stack.
 */
export function wellFormed(value: unknown): unknown {
  if (typeof value === 'string') return wellFormedText(value);
  if (typeof value !== 'object' || value === null) return value;
  const stack: object[] = [value];
  while (stack.length > 0) {
    const container = stack.pop()!;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'string') {
          if (needsFixing(item)) container[i] = wellFormedText(item);
        } else if (typeof item === 'object' && item !== null) {
          container[i] = withWellFormedKeys(item);
          stack.push(container[i] as object);
        }
      }
      continue;
    }
    const record = container as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const item = record[key];
      if (typeof item === 'string') {
        if (needsFixing(item)) setOwn(record, key, wellFormedText(item));
      } else if (typeof item === 'object' && item !== null) {
        const fixed = withWellFormedKeys(item);
        if (fixed !== item) setOwn(record, key, fixed);
        stack.push(fixed);
      }
    }
  }
  return withWellFormedKeys(value);
}

/** The object itself when its own keys are well-formed, else a copy with fixed keys (in order). */
function withWellFormedKeys(value: object): object {
  if (Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (!keys.some(needsFixing)) return value;
  return Object.fromEntries(keys.map((key) => [wellFormedText(key), (value as Record<string, unknown>)[key]]));
}

/** Assignment that stores a key named `__proto__` as data, as JSON.parse does, not as the prototype. */
function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}
