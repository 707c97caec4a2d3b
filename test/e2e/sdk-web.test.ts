import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSdk } from '../../sdk-web/build.ts';
import { chromiumAvailable, launchChromium } from './support/browser.ts';
import { createCaptureRecorder, type CaptureRecorder, type RecordedEvent } from './support/capture-recorder.ts';
import { startDemoServer, type DemoServer } from './support/demo-server.ts';
import { DEMO_CARD_NUMBER, DEMO_USER, DemoShop, demoUserId } from './support/demo-shop.ts';

const KEY = 'tc_e2e_demo_key';
const ARTIFACTS = 'test-artifacts';

const consentPage = `<!doctype html><title>Consent</title>
<button id="nothing">Click me</button>
<script src="/sdk/tributary.js" data-key="${KEY}" data-consent="pending" async></script>`;

// An emoji (two UTF-16 units) right across each of the SDK's cuts: 200 for target text, ids and
// attribute values, 1,000 for exception messages.
const EMOJI = '\u{1F600}';
const emojiPage = `<!doctype html><title>Emoji</title>
<button id="${'i'.repeat(199)}${EMOJI}" data-x="${'d'.repeat(199)}${EMOJI}">${'t'.repeat(199)}${EMOJI}</button>
<script src="/sdk/tributary.js" data-key="${KEY}" async></script>`;

/** Decimal string of an integer in [1, 2^53): int64-safe and exact as a JS number. */
function expectInt53String(value: unknown): void {
  expect(value).toMatch(/^[1-9]\d*$/);
  expect(BigInt(value as string) < 2n ** 53n).toBe(true);
}

async function deviceCookie(context: BrowserContext) {
  return (await context.cookies()).find((cookie) => cookie.name === '_tributary_device');
}

function pathOf(event: RecordedEvent): string {
  const url = new URL(event.url);
  return url.pathname + url.hash;
}

/** Events of one device, each once (a beacon may repeat what a fetch delivered), in `seq` order per view. */
function eventsOfDevice(recorder: CaptureRecorder, deviceId: string): RecordedEvent[] {
  const byId = new Map<string, RecordedEvent>();
  for (const event of recorder.events((e) => e.batch.device_id === deviceId)) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => a.view_id.localeCompare(b.view_id) || a.seq - b.seq);
}

describe.skipIf(!chromiumAvailable())('web SDK in Chromium on the demo shop', () => {
  let browser: Browser;
  let server: DemoServer;
  let otherOrigin: DemoServer;
  const recorder = createCaptureRecorder();

  beforeAll(async () => {
    const sizes = await buildSdk({ declarations: false });
    expect(sizes.browser.gzipBytes).toBeLessThan(8 * 1024);
    server = await startDemoServer({ key: KEY, recorder, pages: { '/consent.html': consentPage, '/emoji.html': emojiPage } });
    otherOrigin = await startDemoServer({
      key: KEY,
      pages: {
        '/cross-origin.html': `<!doctype html><title>Elsewhere</title><p>Another site</p>
<script src="${server.origin}/sdk/tributary.js" data-key="${KEY}" async></script>`,
      },
    });
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await otherOrigin?.close();
  });

  it('captures browsing, clicks, SPA navigation, identify and errors, and flushes with a beacon on close', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const shop = new DemoShop(page, server.origin);

    await shop.open();
    const deviceId = (await deviceCookie(context))!.value;
    await shop.openProduct('Carbon paddle');
    await shop.addToCart();
    await page.screenshot({ path: `${ARTIFACTS}/demo.png`, fullPage: true });
    await shop.goToCart();
    await page.goBack();
    await page.waitForURL('**/demo/product/carbon-paddle');
    await shop.goToCart();
    await shop.goToCheckout();
    await page.evaluate(() => (location.hash = 'payment'));
    await page.waitForURL('**/demo/checkout#payment');
    await shop.placeOrder();
    await shop.signUp();
    await page.locator('h1').click({ position: { x: 5, y: 5 } });
    await page.locator('h1 [data-tributary-mask]').click();
    await shop.throwError();
    await page.evaluate(() => void Promise.reject(new Error('Demo rejection: nobody caught this')));
    await shop.flush();
    await recorder.waitForEvents((all) =>
      all.some((e) => e.batch.device_id === deviceId && e.type === 'exception' && String(e.properties?.message).includes('Demo rejection')),
    );

    // From here every fetch fails: what is queued (and retried) when the page closes must
    // leave with the beacon.
    recorder.failFetches(true);
    try {
      await page.locator('a', { hasText: 'Start shopping' }).click();
      await page.waitForURL('**/demo/');
      await page.locator('button.add-to-cart[data-product="river-kayak"]').click();
      await page.waitForTimeout(2500);
      await page.close({ runBeforeUnload: true });
      await recorder.waitForEvents((all) =>
        all.some((e) => e.batch.device_id === deviceId && e.type === 'click' && e.target?.path[0]?.attrs['data-product'] === 'river-kayak'),
      );
    } finally {
      recorder.failFetches(false);
    }
    await context.close();

    const events = eventsOfDevice(recorder, deviceId);
    const requests = recorder.requests.filter((request) => request.batch.device_id === deviceId);

    // Ids: int64-safe decimal strings; one session and one view (SPA navigation keeps the view).
    const sessionId = events[0]!.batch.session_id;
    const viewId = events[0]!.view_id;
    expectInt53String(deviceId);
    expectInt53String(sessionId);
    expectInt53String(viewId);
    for (const event of events) {
      expectInt53String(event.id);
      expect(event.batch.session_id).toBe(sessionId);
      expect(event.view_id).toBe(viewId);
      expect(typeof event.time).toBe('number');
    }
    // seq is 1, 2, 3 … with no gap: nothing captured was lost.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, index) => index + 1));

    // Batch envelope and transport.
    const batch = events[0]!.batch;
    expect(batch.sdk).toEqual({ name: 'tributary-web', version: '0.1.0' });
    expect(batch.source_type).toBe('web');
    expect(batch.context.user_agent).toContain('Chrome');
    expect(batch.context).toMatchObject({ viewport_width: 1280, viewport_height: 800 });
    expect(typeof batch.context.screen_width).toBe('number');
    for (const request of requests) {
      if (request.via === 'fetch') {
        expect(request.authorization).toBe(`Bearer ${KEY}`);
        expect(request.contentType).toBe('application/json');
      } else {
        expect(request.queryKey).toBe(KEY);
        expect(request.contentType).toMatch(/^text\/plain/);
      }
    }
    const beaconEvents = events.filter((e) => e.request.via === 'beacon');
    expect(beaconEvents.map((e) => e.type)).toEqual(expect.arrayContaining(['navigate', 'click']));
    expect(requests.some((r) => r.via === 'fetch' && r.status === 503)).toBe(true);

    // navigate: on load and on every SPA route change, with reasons.
    const navigates = events.filter((e) => e.type === 'navigate');
    expect(navigates.map((e) => [pathOf(e), e.properties?.navigate_reason])).toEqual([
      ['/demo/', 'navigate'],
      ['/demo/product/carbon-paddle', 'navigate'],
      ['/demo/cart', 'navigate'],
      ['/demo/product/carbon-paddle', 'back_forward'],
      ['/demo/cart', 'navigate'],
      ['/demo/checkout', 'navigate'],
      ['/demo/checkout#payment', 'navigate'],
      ['/demo/checkout/complete', 'navigate'],
      ['/demo/signup', 'navigate'],
      ['/demo/welcome', 'navigate'],
      ['/demo/', 'navigate'],
    ]);
    expect(navigates[5]).toMatchObject({ title: 'Checkout · Tributary Shop', referrer: `${server.origin}/demo/cart` });

    // click on "Add to cart": the button and its ancestors up to html.
    const addToCart = events.find((e) => e.type === 'click' && e.target?.path[0]?.attrs['data-product'] === 'carbon-paddle')!;
    expect(pathOf(addToCart)).toBe('/demo/product/carbon-paddle');
    expect(addToCart.target).toMatchObject({ text: 'Add to cart', masked: false });
    expect(addToCart.target!.path.map((element) => element.tag)).toEqual(['button', 'article', 'main', 'body', 'html']);
    expect(addToCart.target!.path[0]).toEqual({
      tag: 'button',
      classes: ['add-to-cart', 'primary'],
      attrs: { type: 'button', 'data-product': 'carbon-paddle' },
    });
    expect(addToCart.target!.path[2]).toMatchObject({ tag: 'main', id: 'app' });

    // Sign-up: values of inputs are never sent; identify carries the user.
    const changes = events.filter((e) => e.type === 'change');
    // (A text field's change fires when it loses focus, so the order is the browser's.)
    expect(changes.map((e) => e.target!.path[0]!.attrs.name).sort()).toEqual([
      'address',
      'card_number',
      'display_name',
      'email',
      'full_name',
      'password',
      'plan',
    ]);
    for (const change of changes) expect(change.target).toMatchObject({ text: '****', masked: true });
    expect(changes.find((e) => e.target!.path[0]!.attrs.name === 'password')!.target!.path[0]!.attrs.type).toBe('password');
    for (const request of requests) {
      expect(request.raw).not.toContain(DEMO_USER.password);
      expect(request.raw).not.toContain(DEMO_CARD_NUMBER);
    }
    for (const event of events.filter((e) => e.type !== 'identify')) {
      const { batch: _batch, request: _request, ...sent } = event;
      expect(JSON.stringify(sent)).not.toContain(DEMO_USER.email);
      expect(JSON.stringify(sent)).not.toContain('Ada');
    }
    const identify = events.find((e) => e.type === 'identify')!;
    expect(identify.properties).toEqual({
      user_id: demoUserId(DEMO_USER.email),
      user_email: DEMO_USER.email,
      user_display_name: DEMO_USER.displayName,
      user_properties: { plan: 'pro' },
    });
    expect(events.filter((e) => e.type === 'custom').map((e) => e.properties)).toEqual([
      { event_name: 'Order completed', items: 1, revenue: 149 },
      { event_name: 'Signed up', plan: 'pro' },
    ]);
    // The welcome heading holds the name inside data-tributary-mask.
    const heading = events.find((e) => e.type === 'click' && e.target?.path[0]?.tag === 'h1')!;
    expect(heading.target).toMatchObject({ text: 'Welcome, **** !', masked: true });
    const maskedName = events.find((e) => e.type === 'click' && e.target?.path[0]?.tag === 'span')!;
    expect(maskedName.target).toMatchObject({ text: '****', masked: true });
    expect(maskedName.target!.path.map((element) => element.tag)).toEqual(['span', 'h1', 'main', 'body', 'html']);

    // page properties from the shop's router.
    expect(events.filter((e) => e.type === 'page_properties').map((e) => e.properties)).toContainEqual({
      page_name: 'Carbon paddle',
      product_id: 'carbon-paddle',
      product_name: 'Carbon paddle',
      price: 149,
    });

    // load timings.
    const load = events.find((e) => e.type === 'load')!;
    expect(load.properties!.load_time_millis).toBeGreaterThan(0);
    expect(load.properties!.dom_content_time_millis).toBeLessThanOrEqual(load.properties!.load_time_millis as number);
    expect(load.properties!.time_to_first_byte_millis).toBeGreaterThanOrEqual(0);

    // Exceptions; the "Throw an error" button sits in data-tributary-ignore, so its click is not captured.
    const exceptions = events.filter((e) => e.type === 'exception');
    expect(exceptions).toHaveLength(2);
    expect(exceptions[0]!.properties).toMatchObject({ is_exception_handled: false });
    expect(exceptions[0]!.properties!.message).toContain('Demo error: the shop tripped over a paddle');
    expect(exceptions[0]!.properties!.exception_source_file).toBe(`${server.origin}/demo/shop.js`);
    expect(exceptions[1]!.properties!.message).toBe('Demo rejection: nobody caught this');
    expect(events.some((e) => e.type === 'click' && e.target?.path[0]?.id === 'throw-error')).toBe(false);

    // The SDK threw nothing into the page: only the two deliberate errors surfaced.
    expect(pageErrors).toHaveLength(2);
  });

  it('keeps the device across reloads and tabs, starts a view per page load and a session after 30 idle minutes', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const shop = new DemoShop(page, server.origin);
    await shop.open('/demo/product/dry-bag');
    const cookie = (await deviceCookie(context))!;
    const deviceId = cookie.value;
    expect(cookie).toMatchObject({ sameSite: 'Lax', path: '/' });
    const yearFromNow = Date.now() / 1000 + 365 * 24 * 3600;
    expect(Math.abs(cookie.expires - yearFromNow)).toBeLessThan(3600);
    const navigatesOf = (all: RecordedEvent[]) => all.filter((e) => e.batch.device_id === deviceId && e.type === 'navigate');

    await shop.flush();
    const [first] = navigatesOf(await recorder.waitForEvents((all) => navigatesOf(all).length === 1));

    await page.reload();
    await shop.sdkReady();
    await shop.flush();
    const reloaded = navigatesOf(await recorder.waitForEvents((all) => navigatesOf(all).length === 2))[1]!;
    expect(reloaded.properties!.navigate_reason).toBe('reload');
    expect(reloaded.view_id).not.toBe(first!.view_id);
    expect(reloaded.batch.session_id).toBe(first!.batch.session_id);

    // A second tab shares device and session.
    const secondTab = new DemoShop(await context.newPage(), server.origin);
    await secondTab.open('/demo/cart');
    await secondTab.flush();
    const inSecondTab = navigatesOf(await recorder.waitForEvents((all) => navigatesOf(all).length === 3))[2]!;
    expect(pathOf(inSecondTab)).toBe('/demo/cart');
    expect(inSecondTab.batch.session_id).toBe(first!.batch.session_id);
    expect(new Set([first!.view_id, reloaded.view_id, inSecondTab.view_id]).size).toBe(3);
    await secondTab.page.close();

    // Cookie cleared: the localStorage copy restores the same device id, and the cookie.
    await context.clearCookies();
    await page.reload();
    await shop.sdkReady();
    await shop.flush();
    await recorder.waitForEvents((all) => navigatesOf(all).length === 4);
    expect((await deviceCookie(context))?.value).toBe(deviceId);

    // 31 minutes without activity: the next page starts a new session on the same device.
    await page.evaluate(() => {
      const session = JSON.parse(localStorage.getItem('_tributary_session')!) as { lastActivity: number };
      session.lastActivity -= 31 * 60 * 1000;
      localStorage.setItem('_tributary_session', JSON.stringify(session));
    });
    await page.reload();
    await shop.sdkReady();
    await shop.flush();
    const afterIdle = navigatesOf(await recorder.waitForEvents((all) => navigatesOf(all).length === 5))[4]!;
    expectInt53String(afterIdle.batch.session_id);
    expect(afterIdle.batch.session_id).not.toBe(first!.batch.session_id);
    await context.close();

    // Another browser profile is another device.
    const otherContext = await browser.newContext();
    await new DemoShop(await otherContext.newPage(), server.origin).open();
    expect((await deviceCookie(otherContext))!.value).not.toBe(deviceId);
    await otherContext.close();
  });

  it('retries 5xx and 429 with backoff (honouring Retry-After) and drops a batch answered 400', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const shop = new DemoShop(page, server.origin);
    recorder.failNext({ status: 503 }, { status: 429, retryAfterSeconds: 2 });
    await shop.open();
    const deviceId = (await deviceCookie(context))!.value;
    const requestsOfDevice = () => recorder.requests.filter((r) => r.batch.device_id === deviceId);
    await shop.flush();
    await recorder.waitForEvents((all) => all.some((e) => e.batch.device_id === deviceId && e.type === 'navigate'));

    const [failed, limited, accepted] = requestsOfDevice();
    expect([failed!.status, limited!.status, accepted!.status]).toEqual([503, 429, 202]);
    const navigateId = failed!.batch.events[0]!.id;
    expect(limited!.batch.events[0]!.id).toBe(navigateId);
    expect(accepted!.batch.events[0]!.id).toBe(navigateId);
    expect(limited!.receivedAt - failed!.receivedAt).toBeGreaterThanOrEqual(450);
    expect(accepted!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(1900);

    recorder.failNext({ status: 400 });
    await page.evaluate(() =>
      (window as unknown as { tributary: { track(name: string): void; flush(): void } }).tributary.track('dropped on 400'),
    );
    await shop.flush();
    const customNamed = (name: string) => (r: { batch: { events: Array<{ type: string; properties?: Record<string, unknown> }> } }) =>
      r.batch.events.some((e) => e.type === 'custom' && e.properties?.event_name === name);
    await expect.poll(() => requestsOfDevice().filter(customNamed('dropped on 400')).length).toBe(1);
    await page.evaluate(() => (window as unknown as { tributary: { track(name: string): void } }).tributary.track('after the 400'));
    await shop.flush();
    await expect.poll(() => requestsOfDevice().filter(customNamed('after the 400')).length, { timeout: 10_000 }).toBe(1);
    expect(requestsOfDevice().filter(customNamed('dropped on 400'))).toHaveLength(1);
    expect(requestsOfDevice().filter(customNamed('dropped on 400'))[0]!.status).toBe(400);
    await context.close();
  });

  it('waits for consent with data-consent="pending", and forgets everything when consent is withdrawn', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const onThisPage = (all: RecordedEvent[]) => all.filter((e) => e.url.endsWith('/consent.html'));
    type Sdk = { track(name: string): void; consent(granted: boolean): void; flush(): void };
    const sdk = <T>(fn: (tributary: Sdk) => T) => page.evaluate(`(${fn.toString()})(window.tributary)`) as Promise<T>;
    await page.goto(`${server.origin}/consent.html`);
    await page.waitForFunction(() => typeof (window as { tributary?: { consent?: unknown } }).tributary?.consent === 'function');

    await sdk((t) => t.track('before consent'));
    await page.click('#nothing');
    await sdk((t) => t.flush());
    await page.waitForTimeout(2500);
    expect(onThisPage(recorder.events())).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);

    await sdk((t) => t.consent(true));
    await sdk((t) => t.flush());
    const granted = onThisPage(await recorder.waitForEvents((all) => onThisPage(all).length === 3));
    // The click before consent was not captured; the API call was kept and sent after the navigate.
    expect(granted.map((e) => e.type)).toEqual(['navigate', 'custom', 'load']);
    expect(granted[1]!.properties).toEqual({ event_name: 'before consent' });
    const firstDevice = (await deviceCookie(context))!.value;
    expect(granted[0]!.batch.device_id).toBe(firstDevice);

    await sdk((t) => t.consent(false));
    expect(await deviceCookie(context)).toBeUndefined();
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await sdk((t) => t.track('after withdrawal'));
    await page.click('#nothing');
    await sdk((t) => t.flush());
    await page.waitForTimeout(2500);
    expect(onThisPage(recorder.events())).toHaveLength(3);

    await sdk((t) => t.consent(true));
    await sdk((t) => t.flush());
    const again = await recorder.waitForEvents((all) => onThisPage(all).length === 4);
    const renewed = onThisPage(again)[3]!;
    expect(renewed.type).toBe('navigate');
    expect(renewed.batch.device_id).not.toBe(firstDevice);
    expect(renewed.batch.device_id).toBe((await deviceCookie(context))!.value);
    await context.close();
  });

  it('cuts text between code points: an emoji at a cut never leaves half of it (security issue #11)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/emoji.html`);
    await page.waitForFunction(() => !!(window as { tributary?: { flush?: unknown } }).tributary?.flush);
    await page.click('button');
    await page.evaluate(
      (message) =>
        setTimeout(() => {
          throw new Error(message);
        }),
      `${'m'.repeat(999)}${EMOJI}`,
    );
    await page.waitForTimeout(100);
    await page.evaluate(() => (window as unknown as { tributary: { flush(): void } }).tributary.flush());
    const onPage = (all: RecordedEvent[]) => all.filter((e) => e.url === `${server.origin}/emoji.html`);
    const events = onPage(
      await recorder.waitForEvents((all) => onPage(all).some((e) => e.type === 'exception') && onPage(all).some((e) => e.type === 'click')),
    );
    const click = events.find((e) => e.type === 'click')!;
    expect(click.target!.text).toBe('t'.repeat(199));
    expect(click.target!.path[0]).toMatchObject({ id: 'i'.repeat(199), attrs: { 'data-x': 'd'.repeat(199) } });
    const exception = events.find((e) => e.type === 'exception')!;
    expect(String(exception.properties!.message).endsWith('m')).toBe(true);
    // what went over the wire: JSON.stringify writes a lone surrogate as a \udxxx escape
    for (const request of new Set(events.map((e) => e.request))) expect(request.raw).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    await context.close();
  });

  it('sends to the script’s own origin by default, from another site, through CORS', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${otherOrigin.origin}/cross-origin.html`);
    await page.waitForFunction(() => !!(window as { tributary?: { flush?: unknown } }).tributary?.flush);
    await page.evaluate(() => (window as unknown as { tributary: { flush(): void } }).tributary.flush());
    const [navigate] = await recorder
      .waitForEvents((all) => all.some((e) => e.url.startsWith(otherOrigin.origin)))
      .then((all) => all.filter((e) => e.url.startsWith(otherOrigin.origin)));
    expect(navigate!.type).toBe('navigate');
    expect(navigate!.request.origin).toBe(otherOrigin.origin);
    expect(navigate!.request.authorization).toBe(`Bearer ${KEY}`);
    expect(recorder.preflights).toContainEqual({ origin: otherOrigin.origin, requestHeaders: 'authorization,content-type' });
    await context.close();
  });
});
