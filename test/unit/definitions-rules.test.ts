import { describe, expect, it } from 'vitest';
import {
  findDuplicatePriorities,
  validateElementRule,
  validateEventRule,
  validatePageRule,
  type DefinitionError,
  type RuleValidation,
} from '../../server/definitions/index.ts';

function errorsOf<Rule>(result: RuleValidation<Rule>): readonly DefinitionError[] {
  return result.ok ? [] : result.errors;
}

function codesOf<Rule>(result: RuleValidation<Rule>): string[] {
  return errorsOf(result).map((error) => error.code);
}

describe('page rules', () => {
  it('accepts host, path, query and fragment conditions', () => {
    const result = validatePageRule({
      host: '*.shop.example',
      path: '/products/*/reviews/**',
      query: [
        { key: 'step', op: 'equals', value: '2' },
        { key: 'coupon', op: 'exists' },
      ],
      fragment: '/pay',
    });
    expect(result).toEqual({
      ok: true,
      rule: {
        host: '*.shop.example',
        path: '/products/*/reviews/**',
        query: [
          { key: 'step', op: 'equals', value: '2' },
          { key: 'coupon', op: 'exists' },
        ],
        fragment: '/pay',
      },
    });
  });

  it('refuses an empty rule with EMPTY_RULE', () => {
    expect(codesOf(validatePageRule({}))).toEqual(['EMPTY_RULE']);
    expect(codesOf(validatePageRule({ query: [] }))).toEqual(['EMPTY_RULE']);
  });

  it('refuses malformed patterns with INVALID_PATTERN and says which part', () => {
    const result = validatePageRule({ host: 'https://shop.example', path: 'checkout', fragment: '/a**b' });
    expect(codesOf(result)).toEqual(['INVALID_PATTERN', 'INVALID_PATTERN', 'INVALID_PATTERN']);
    expect(errorsOf(result).map((error) => error.path)).toEqual([['host'], ['path'], ['fragment']]);
    expect(errorsOf(result)[1]?.message).toContain('must start with "/"');
    expect(codesOf(validatePageRule({ path: '/a/***' }))).toEqual(['INVALID_PATTERN']);
    expect(codesOf(validatePageRule({ path: '/search?q=*' }))).toEqual(['INVALID_PATTERN']);
    expect(codesOf(validatePageRule({ path: '' }))).toEqual(['INVALID_PATTERN']);
  });

  it('refuses unknown keys and operators with INVALID_RULE', () => {
    expect(codesOf(validatePageRule({ pth: '/x' }))).toEqual(['INVALID_RULE']);
    expect(codesOf(validatePageRule({ path: '/x', query: [{ key: 'a', op: 'regex', value: 'x' }] }))).toEqual(['INVALID_RULE']);
    expect(codesOf(validatePageRule({ path: '/x', query: [{ key: 'a', op: 'equals' }] }))).toEqual(['INVALID_RULE']);
  });
});

describe('element rules', () => {
  it('accepts selectors css-select can evaluate on captured ancestry', () => {
    for (const selector of [
      '#signup',
      'form button.primary',
      'button[data-testid="signup"]',
      'nav > a:not(.disabled)',
      ':is(a, button)[href]',
      'button:contains("Sign up")',
    ]) {
      expect(validateElementRule({ selector }).ok, selector).toBe(true);
    }
  });

  it('refuses unparsable selectors with INVALID_SELECTOR and a readable message', () => {
    const unclosed = validateElementRule({ selector: 'button[' });
    expect(codesOf(unclosed)).toEqual(['INVALID_SELECTOR']);
    expect(errorsOf(unclosed)[0]?.message).toBe(
      'invalid CSS selector "button[": unexpected end of selector (unclosed "[" or missing name?)',
    );
    expect(errorsOf(validateElementRule({ selector: 'a,' }))[0]?.message).toContain('empty selector in a list');
    expect(errorsOf(validateElementRule({ selector: 'a:frobnicate' }))[0]?.message).toContain('unknown pseudo-class ":frobnicate"');
    expect(codesOf(validateElementRule({ selector: 'a::before' }))).toEqual(['INVALID_SELECTOR']);
    expect(codesOf(validateElementRule({ selector: '> a' }))).toEqual(['INVALID_SELECTOR']);
    expect(codesOf(validateElementRule({ selector: '   ' }))).toEqual(['INVALID_SELECTOR']);
  });

  it('refuses selectors that need what the SDK does not capture with UNSUPPORTED_SELECTOR', () => {
    for (const selector of ['li:first-child', 'h2 + p', 'h2 ~ p', 'div:has(img)', 'a:hover', 'ul li:nth-child(2)', ':not(li:last-child)']) {
      expect(codesOf(validateElementRule({ selector })), selector).toEqual(['UNSUPPORTED_SELECTOR']);
    }
  });
});

describe('event rules', () => {
  it('accepts every operator with the right value type', () => {
    const result = validateEventRule({
      eventType: 'custom',
      properties: [
        { path: 'event_name', op: 'equals', value: 'Purchase' },
        { path: 'plan', op: 'not_equals', value: 'free' },
        { path: 'tags', op: 'contains', value: 'sale' },
        { path: 'order.id', op: 'regex', value: '^ord_[0-9a-f]+$' },
        { path: 'coupon', op: 'exists' },
        { path: 'refund', op: 'not_exists' },
        { path: 'revenue', op: 'gte', value: 100 },
      ],
    });
    expect(result.ok).toBe(true);
  });

  it('refuses a rule with no condition with EMPTY_RULE', () => {
    expect(codesOf(validateEventRule({}))).toEqual(['EMPTY_RULE']);
    expect(codesOf(validateEventRule({ properties: [] }))).toEqual(['EMPTY_RULE']);
  });

  it('refuses bad regexes with INVALID_REGEX or UNSAFE_REGEX, pointing at the condition', () => {
    const result = validateEventRule({
      eventType: 'custom',
      properties: [
        { path: 'a', op: 'regex', value: '[unclosed' },
        { path: 'b', op: 'regex', value: '(a+)+$' },
      ],
    });
    expect(codesOf(result)).toEqual(['INVALID_REGEX', 'UNSAFE_REGEX']);
    expect(errorsOf(result).map((error) => error.path)).toEqual([
      ['properties', 0, 'value'],
      ['properties', 1, 'value'],
    ]);
  });

  it('refuses wrong value types, missing values and empty path segments', () => {
    expect(codesOf(validateEventRule({ properties: [{ path: 'total', op: 'gt', value: '100' }] }))).toEqual(['INVALID_RULE']);
    expect(codesOf(validateEventRule({ properties: [{ path: 'total', op: 'equals' }] }))).toEqual(['INVALID_RULE']);
    expect(codesOf(validateEventRule({ properties: [{ path: 'cart..total', op: 'exists' }] }))).toEqual(['INVALID_RULE']);
    expect(codesOf(validateEventRule({ eventType: 'click', colour: 'red' }))).toEqual(['INVALID_RULE']);
  });
});

describe('page priorities', () => {
  it('reports active page definitions sharing a priority', () => {
    const errors = findDuplicatePriorities([
      { id: 'pd_b', priority: 1 },
      { id: 'pd_a', priority: 1 },
      { id: 'pd_c', priority: 2 },
    ]);
    expect(errors).toEqual([{ code: 'DUPLICATE_PRIORITY', message: 'page definitions pd_a, pd_b share priority 1', path: ['priority'] }]);
    expect(
      findDuplicatePriorities([
        { id: 'pd_a', priority: 1 },
        { id: 'pd_b', priority: 2 },
      ]),
    ).toEqual([]);
  });
});
