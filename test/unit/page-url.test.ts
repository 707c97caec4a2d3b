import { describe, expect, it } from 'vitest';
import { parsePageUrl } from '../../server/events/url.ts';

describe('parsePageUrl', () => {
  it('accepts web pages and app screens with a host', () => {
    expect(parsePageUrl('https://shop.example/cart?x=1#/pay')).toMatchObject({ host: 'shop.example', path: '/cart', hash_path: '/pay' });
    expect(parsePageUrl('http://localhost:3000/')).toMatchObject({ host: 'localhost:3000' });
    expect(parsePageUrl('app://shop/cart')).toMatchObject({ full_url: 'app://shop/cart', host: 'shop', path: '/cart' });
    expect(parsePageUrl('com.example.shop://checkout/pay')).toMatchObject({ host: 'checkout' });
  });

  it('refuses script, data and other non-page URLs', () => {
    for (const url of [
      'javascript:alert(1)',
      'JAVASCRIPT://host/%0aalert(1)',
      '\tjava\nscript:alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'data://x/y',
      'file:///etc/passwd',
      'blob:https://shop.example/5a1f',
      'about:blank',
      'mailto:a@example.com',
      'myapp:cart',
      'not a url',
    ]) {
      expect([url, parsePageUrl(url)]).toEqual([url, null]);
    }
  });
});
