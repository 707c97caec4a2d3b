import { describe, expect, it } from 'vitest';
import { cutText as cutTextInSdk } from '../../sdk-web/src/text.ts';
import { cutText, mayNeedWellFormed, wellFormed } from '../../server/capture/text.ts';

const EMOJI = '\u{1F600}';

describe.each([
  ['server', cutText],
  ['web SDK', cutTextInSdk],
])('cutText (%s)', (_where, cut) => {
  it('never splits a surrogate pair', () => {
    expect(cut(`ab${EMOJI}`, 3)).toBe('ab');
    expect(cut(`ab${EMOJI}`, 4)).toBe(`ab${EMOJI}`);
    expect(cut(`ab${EMOJI}c`, 4)).toBe(`ab${EMOJI}`);
    expect(cut('abcdef', 3)).toBe('abc');
    expect(cut('ab', 5)).toBe('ab');
    for (let max = 1; max < 40; max++) expect(cut(EMOJI.repeat(20), max).isWellFormed()).toBe(true);
  });
});

describe('wellFormed', () => {
  it('replaces U+0000 and lone surrogates in strings and property names, keeping pairs and key order', () => {
    const parsed = JSON.parse('{"a\\u0000":"x\\ud800y","b":["\\udc00",{"c\\udbff":"\\ud83d\\ude00"}],"d":1}');
    expect(wellFormed(parsed)).toEqual({ 'a\ufffd': 'x\ufffdy', b: ['\ufffd', { 'c\ufffd': EMOJI }], d: 1 });
    expect(Object.keys(wellFormed(JSON.parse('{"z":1,"\\u0000":2,"a":3}')) as object)).toEqual(['z', '\ufffd', 'a']);
    expect(wellFormed('\ud800')).toBe('\ufffd');
  });

  it('keeps a property named __proto__ as data, as JSON.parse does', () => {
    const fixed = wellFormed(JSON.parse('{"__proto__":{"polluted":"\\u0000"},"k\\u0000":1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(fixed)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(fixed, '__proto__')?.value).toEqual({ polluted: '\ufffd' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('handles 100,000 levels of nesting without overflowing the stack', () => {
    const levels = 100_000;
    const parsed = JSON.parse(`${'['.repeat(levels)}"\\u0000"${']'.repeat(levels)}`);
    let inner: unknown = wellFormed(parsed);
    for (let i = 0; i < levels; i++) inner = (inner as unknown[])[0];
    expect(inner).toBe('\ufffd');
  });
});

describe('mayNeedWellFormed', () => {
  it('spots the escapes that can decode to U+0000 or a surrogate, and nothing else', () => {
    expect(mayNeedWellFormed('{"a":"plain text, é, 😀"}')).toBe(false);
    expect(mayNeedWellFormed('{"a":"\\u00e9 \\n"}')).toBe(false);
    expect(mayNeedWellFormed('{"a":"\\u0000"}')).toBe(true);
    expect(mayNeedWellFormed('{"a":"\\uD800"}')).toBe(true);
    expect(mayNeedWellFormed('{"a":"\\udfff"}')).toBe(true);
  });
});
