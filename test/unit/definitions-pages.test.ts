import { describe, expect, it } from 'vitest';
import { compileDefinitions, matchPage, parseUrlParts, type PageDefinitionInput, type UrlParts } from '../../server/definitions/index.ts';

function url(href: string): UrlParts {
  const parts = parseUrlParts(href);
  if (parts === null) throw new Error(`not a URL: ${href}`);
  return parts;
}

function pagesOf(pages: PageDefinitionInput[]) {
  return compileDefinitions({ organizationId: 'org_1', pages, elements: [], events: [] });
}

describe('parseUrlParts', () => {
  it('splits SPA hash routes into hash_path and hash_query', () => {
    expect(parseUrlParts('https://Shop.Example:8443/checkout?step=1#/pay?method=card')).toEqual({
      full_url: 'https://shop.example:8443/checkout?step=1#/pay?method=card',
      host: 'shop.example:8443',
      path: '/checkout',
      query: '?step=1',
      hash_path: '/pay',
      hash_query: '?method=card',
    });
    expect(parseUrlParts('https://shop.example/pricing#enterprise')?.hash_path).toBe('enterprise');
    expect(parseUrlParts('/relative')).toBeNull();
  });
});

describe('matchPage', () => {
  const compiled = pagesOf([
    { id: 'pd_product', priority: 10, rule: { host: 'shop.example', path: '/products/*' } },
    { id: 'pd_reviews', priority: 5, rule: { host: 'shop.example', path: '/products/*/reviews/**' } },
    { id: 'pd_docs', priority: 20, rule: { host: '*.example', path: '/docs/**' } },
    { id: 'pd_checkout_pay', priority: 1, rule: { path: '/checkout', fragment: '/pay' } },
    { id: 'pd_checkout', priority: 2, rule: { path: '/checkout/' } },
    {
      id: 'pd_search',
      priority: 30,
      rule: {
        path: '/search',
        query: [
          { key: 'q', op: 'exists' },
          { key: 'sort', op: 'equals', value: 'price' },
        ],
      },
    },
    { id: 'pd_campaign', priority: 40, rule: { query: [{ key: 'utm_campaign', op: 'contains', value: 'black-friday' }] } },
    { id: 'pd_any', priority: 1000, rule: { path: '/**' } },
  ]);

  it('takes the first match by priority, so a URL belongs to one page definition', () => {
    expect(matchPage(compiled, url('https://shop.example/products/42'))).toBe('pd_product');
    expect(matchPage(compiled, url('https://shop.example/products/42/reviews'))).toBe('pd_reviews');
    expect(matchPage(compiled, url('https://shop.example/products/42/reviews/7/photos'))).toBe('pd_reviews');
    expect(matchPage(compiled, url('https://shop.example/about'))).toBe('pd_any');
  });

  it('keeps * within one segment and lets ** span any depth, zero included', () => {
    expect(matchPage(compiled, url('https://shop.example/products/42/specs'))).toBe('pd_any');
    expect(matchPage(compiled, url('https://help.example/docs'))).toBe('pd_docs');
    expect(matchPage(compiled, url('https://help.example/docs/a/b/c'))).toBe('pd_docs');
    expect(matchPage(compiled, url('https://a.help.example/docs'))).toBe('pd_any');
    expect(matchPage(compiled, url('https://example/docs'))).toBe('pd_any');
  });

  it('matches SPA hash routes with fragment patterns, ignoring a trailing slash', () => {
    expect(matchPage(compiled, url('https://shop.example/checkout#/pay'))).toBe('pd_checkout_pay');
    expect(matchPage(compiled, url('https://shop.example/checkout/#/pay/?method=card'))).toBe('pd_checkout_pay');
    expect(matchPage(compiled, url('https://shop.example/checkout#/shipping'))).toBe('pd_checkout');
    expect(matchPage(compiled, url('https://shop.example/checkout'))).toBe('pd_checkout');
  });

  it('checks query conditions in the query string and in the fragment query', () => {
    expect(matchPage(compiled, url('https://shop.example/search?q=shoes&sort=price'))).toBe('pd_search');
    expect(matchPage(compiled, url('https://shop.example/search?q=shoes&sort=name&sort=price'))).toBe('pd_search');
    expect(matchPage(compiled, url('https://shop.example/search?q=shoes#?sort=price'))).toBe('pd_search');
    expect(matchPage(compiled, url('https://shop.example/search?sort=price'))).toBe('pd_any');
    expect(matchPage(compiled, url('https://shop.example/search?q=shoes&sort=name'))).toBe('pd_any');
    expect(matchPage(compiled, url('https://shop.example/?utm_campaign=2026-black-friday-email'))).toBe('pd_campaign');
    expect(matchPage(compiled, url('https://shop.example/?utm_campaign=spring-sale'))).toBe('pd_any');
  });

  it('compares hosts case-insensitively and without the port', () => {
    const hosts = pagesOf([{ id: 'pd_local', priority: 1, rule: { host: 'LOCALHOST', path: '/' } }]);
    expect(matchPage(hosts, url('http://localhost:3000/'))).toBe('pd_local');
    expect(matchPage(hosts, url('http://localhost:3000/x'))).toBeNull();
  });

  it('breaks priority ties by id, whatever the input order', () => {
    const rules = [
      { id: 'pd_b', priority: 1, rule: { path: '/pricing' } },
      { id: 'pd_a', priority: 1, rule: { path: '/pricing' } },
    ];
    expect(matchPage(pagesOf(rules), url('https://shop.example/pricing'))).toBe('pd_a');
    expect(matchPage(pagesOf([...rules].reverse()), url('https://shop.example/pricing'))).toBe('pd_a');
  });

  it('orders literal-host and wildcard-host pages together by priority', () => {
    const mixed = pagesOf([
      { id: 'pd_exact', priority: 2, rule: { host: 'shop.example', path: '/cart' } },
      { id: 'pd_wild', priority: 1, rule: { host: '**.example', path: '/cart' } },
    ]);
    expect(matchPage(mixed, url('https://shop.example/cart'))).toBe('pd_wild');
    expect(matchPage(mixed, url('https://eu.shop.example/cart'))).toBe('pd_wild');
  });

  it('decodes percent-encoded segments on both sides', () => {
    const encoded = pagesOf([{ id: 'pd_cafe', priority: 1, rule: { path: '/menu/café' } }]);
    expect(matchPage(encoded, url('https://shop.example/menu/caf%C3%A9'))).toBe('pd_cafe');
  });

  it('leaves out stored rules that no longer validate, and reports them', () => {
    const broken = pagesOf([
      { id: 'pd_bad', priority: 1, rule: { path: 'no-slash' } },
      { id: 'pd_good', priority: 2, rule: { path: '/**' } },
    ]);
    expect(matchPage(broken, url('https://shop.example/no-slash'))).toBe('pd_good');
    expect(broken.skipped).toEqual([{ kind: 'page', id: 'pd_bad', errors: [expect.objectContaining({ code: 'INVALID_PATTERN' })] }]);
    expect(broken.counts.pages).toBe(1);
  });

  it('returns null without page definitions', () => {
    expect(matchPage(pagesOf([]), url('https://shop.example/'))).toBeNull();
  });
});
