import { describe, expect, it } from 'vitest';
import { REGEX_INPUT_LIMIT, checkRegex } from '../../server/definitions/index.ts';
import { compileSafeRegex } from '../../server/definitions/safe-regex.ts';

describe('regex safety', () => {
  it.each([
    ['(a+)+', 'nested quantifiers'],
    ['(a*)*b', 'nested quantifiers'],
    ['^(\\w+\\s?)*$', 'nested quantifiers'],
    ['(\\d{2})+', 'nested quantifiers'],
    ['(a|a)*', 'same character'],
    ['(a|ab)+', 'same character'],
    ['(\\w|\\d)+', 'same character'],
    ['(a|)+', 'empty alternative'],
    ['(a)\\1', 'backreferences'],
    ['(?<x>a)\\k<x>', 'backreferences'],
    ['\\w+\\d+', 'polynomially'],
    ['a.*.*b', 'polynomially'],
    ['\\s*\\s*\\s*x', 'polynomially'],
    ['a*b*a*c', 'polynomially'],
    ['x'.repeat(257), 'longer than 256'],
  ])('refuses %s (%s) with UNSAFE_REGEX', (source, reason) => {
    const problem = checkRegex(source);
    expect(problem?.code).toBe('UNSAFE_REGEX');
    expect(problem?.message).toContain(reason);
  });

  it.each([
    '^/products/\\d+$',
    '^[A-Z]{2}-\\d+$',
    '\\d+\\.\\d+',
    '\\w+@\\w+\\.com$',
    '[a-z]+[0-9]+',
    '^(pro|enterprise)$',
    '(foo|bar)+',
    '.*checkout.*',
    'https?://[^/]+/checkout',
  ])('accepts %s', (source) => {
    expect(checkRegex(source)).toBeNull();
  });

  it('refuses syntax errors with INVALID_REGEX and the engine message', () => {
    expect(checkRegex('[a-')).toEqual({ code: 'INVALID_REGEX', message: 'invalid regex: /[a-/u: Unterminated character class' });
    expect(checkRegex('')?.code).toBe('INVALID_REGEX');
    expect(checkRegex('a{2,1}')?.code).toBe('INVALID_REGEX');
  });

  it('tests only the first REGEX_INPUT_LIMIT characters of a value', () => {
    const endsWithX = compileSafeRegex('x$');
    expect(endsWithX('a'.repeat(REGEX_INPUT_LIMIT - 1) + 'x')).toBe(true);
    expect(endsWithX('a'.repeat(REGEX_INPUT_LIMIT) + 'x')).toBe(false);
  });

  it('keeps the meaning of a pattern whose leading and trailing .* are dropped', () => {
    const checkout = compileSafeRegex('.*checkout.*');
    expect(checkout('/en/checkout/pay')).toBe(true);
    expect(checkout('/en/cart')).toBe(false);
    expect(compileSafeRegex('.*')('')).toBe(true);
  });

  it('stays fast on adversarial values for accepted patterns', () => {
    const adversarial: [string, string][] = [
      ['a.*b', 'a'.repeat(5000)],
      ['\\d+\\.\\d+', '1'.repeat(5000)],
      ['[^@]+@[^@]+$', 'x'.repeat(5000)],
      ['(foo|bar)+x', 'foo'.repeat(2000)],
    ];
    for (const [source, value] of adversarial) {
      const test = compileSafeRegex(source);
      const started = performance.now();
      expect(test(value)).toBe(false);
      // Quadratic at worst on 1,000 characters: well under 50 ms even on a slow CI machine.
      expect(performance.now() - started, source).toBeLessThan(50);
    }
  });

  it('refuses to compile a pattern that was not validated', () => {
    expect(() => compileSafeRegex('(a+)+')).toThrow(/UNSAFE_REGEX/);
  });
});
