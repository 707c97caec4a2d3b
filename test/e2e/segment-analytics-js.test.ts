/**
 * The unmodified analytics.js (@segment/analytics-next) in Debian's Chromium, on a page of
 * another origin, with its API host pointed at Tributary: every call type, sent one request per
 * call (the default) and in batches; the warehouse rows after a sync are checked row by row.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceIdForAnonymousId } from '../../server/events/ids.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { queryDuckdb } from '../support/duckdb.ts';
import { chromiumAvailable, launchChromium } from './support/browser.ts';

/** analytics.js as a site bundles it from npm: the package's own code, nothing changed. */
async function bundleAnalyticsJs(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;`,
      resolveDir: process.cwd(),
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/**
 * A page of the site: loads analytics.js pointed at Tributary and makes every call. `settings`:
 * its CDN URL is Tributary, which serves the settings (GET /v1/projects/{key}/settings) naming
 * itself as the API host; otherwise the page gives analytics.js those settings itself.
 */
function sitePage(key: string, tributary: string, mode: 'single' | 'batching' | 'settings'): string {
  const apiHost = `${new URL(tributary).host}/v1`;
  const batching = mode === 'batching';
  const user = { single: 'user-a', batching: 'user-b', settings: 'user-c' }[mode];
  const settings = {
    integrations: {
      'Segment.io': {
        apiKey: key,
        apiHost,
        protocol: 'http',
        ...(batching ? { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 200 } } } : {}),
      },
    },
  };
  const load = mode === 'settings' ? { writeKey: key, cdnURL: tributary } : { writeKey: key, cdnSettings: settings };
  return `<!doctype html><title>Pricing</title><h1>Pricing</h1>
<script src="/analytics.js"></script>
<script>
  const analytics = window.AnalyticsBrowser.load(${JSON.stringify(load)});
  window.done = (async () => {
    await analytics.page('Docs', 'Pricing', { plan: 'pro' });
    await analytics.track('Plan Selected', { plan: 'pro', seats: 3 });
    await analytics.identify('${user}', { email: 'ada@example.com', name: 'Ada L', plan: 'pro' });
    await analytics.group('org-42', { name: 'Acme' });
    await analytics.alias('${user}-new', '${user}');
    await analytics.screen('Checkout');
    const [user] = await analytics;
    return user.user().anonymousId();
  })();
</script>`;
}

describe.skipIf(!chromiumAvailable())('analytics.js (@segment/analytics-next) in Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let site: Server;
  let siteOrigin: string;
  let bundle: string;

  beforeAll(async () => {
    t = await startTestApp();
    bundle = await bundleAnalyticsJs();
    const pages: Record<string, 'single' | 'batching' | 'settings'> = {
      '/pricing': 'single',
      '/pricing-batched': 'batching',
      '/pricing-settings': 'settings',
    };
    site = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/analytics.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
      if (pages[path])
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(sitePage(t.org.keys.capture, t.url, pages[path]));
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchChromium();
    const created = await t.gql(
      `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } ... on AppError { code message } } }`,
      { i: { name: 'duck', pluginId: 'duckdb', config: { path: 'analytics-js.duckdb' } } },
    );
    expect(created.body.data.createDestination.data.id).toBeTruthy();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
    await t?.close();
  });

  async function visit(path: string): Promise<{ anonymousId: string; paths: string[]; sent: any[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const paths: string[] = [];
    const sent: any[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== t.url || request.method() !== 'POST') return;
      paths.push(url.pathname);
      const body = JSON.parse(request.postData() ?? 'null');
      sent.push(...(Array.isArray(body?.batch) ? body.batch : [body]));
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // no request may leave this machine (a CDN, a remote plugin)
    await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => {
      errors.push(`blocked ${route.request().url()}`);
      return route.abort();
    });
    await page.goto(`${siteOrigin}${path}?utm_source=newsletter`);
    const anonymousId = (await page.evaluate('window.done')) as string;
    // a batch leaves on its timer: the page stays open until the store has every call
    await storeRowsOf(deviceIdForAnonymousId(t.org.orgId, anonymousId), 6);
    expect(errors).toEqual([]);
    await context.close();
    return { anonymousId, paths, sent };
  }

  async function storeRowsOf(deviceId: string, count: number) {
    for (let i = 0; i < 100; i++) {
      const r = await t.gql(`query($f: EventFilter) { events(first: 50, filter: $f) { nodes { eventId } } }`, { f: { deviceId } });
      if (r.body.data.events.nodes.length >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`device ${deviceId} did not get ${count} rows`);
  }

  it('sends every call, one request each and in batches; the warehouse holds each row as mapped', async () => {
    const single = await visit('/pricing');
    // one request per call, on the one-letter paths analytics.js posts to
    expect(single.paths).toEqual(['/v1/p', '/v1/t', '/v1/i', '/v1/g', '/v1/a', '/v1/s']);
    const batched = await visit('/pricing-batched');
    expect(new Set(batched.paths)).toEqual(new Set(['/v1/b']));
    // only cdnURL set: the settings come from Tributary, and so does the API host in them
    const fromSettings = await visit('/pricing-settings');
    expect(fromSettings.paths).toEqual(['/v1/p', '/v1/t', '/v1/i', '/v1/g', '/v1/a', '/v1/s']);
    const visits = [single, batched, fromSettings];
    const devices = visits.map((v) => deviceIdForAnonymousId(t.org.orgId, v.anonymousId));

    await t.db.rows(sql`update destinations set next_run_time = now() - interval '1 second' where org_id = ${t.org.orgId}`);
    await t.app.sync.scheduler.runDue();
    const rows: Record<string, any>[] = (
      await queryDuckdb<Record<string, any>>(
        `${t.config.destinationFilesDir}/analytics-js.duckdb`,
        `select device_id::varchar as device_id, session_id::varchar as session_id, view_id::varchar as view_id, event_type, source_type,
           event_properties::varchar as ep, source_properties::varchar as sp
         from events order by event_time, event_id`,
      )
    ).map((r) => ({ ...r, ep: JSON.parse(r.ep), sp: JSON.parse(r.sp) }));

    for (const [index, visit] of visits.entries()) {
      const device = devices[index]!;
      const user = ['user-a', 'user-b', 'user-c'][index]!;
      const mine = rows.filter((r) => r.device_id === device);
      const entrypoint = (letter: string, call: string) => (index === 1 ? 'POST /v1/b' : `POST /v1/${letter}`) + ` ${call}`;
      expect(mine.map((r) => `${r.event_type} ${r.source_type} ${r.sp.entrypoint} ${r.sp.segment.type}`)).toEqual([
        `navigate web ${entrypoint('p', 'page')}`,
        `custom web ${entrypoint('t', 'track')}`,
        `identify web ${entrypoint('i', 'identify')}`,
        `custom web ${entrypoint('g', 'group')}`,
        `custom web ${entrypoint('a', 'alias')}`,
        `navigate web ${entrypoint('s', 'screen')}`,
      ]);
      // one session: the calls came within seconds
      expect(new Set(mine.map((r) => r.session_id)).size).toBe(1);
      expect(mine[0]!.session_id).toMatch(/^\d+$/);
      const [page, track, identify, group, alias, screen] = mine as [any, any, any, any, any, any];
      const library = { name: 'analytics.js', version: expect.stringMatching(/^npm:next-/) };
      const pageUrl = `${siteOrigin}/${['pricing', 'pricing-batched', 'pricing-settings'][index]}?utm_source=newsletter`;

      expect(page.view_id).toMatch(/^\d+$/);
      expect(page.ep).toMatchObject({ navigate_reason: 'navigate', name: 'Pricing', category: 'Docs', properties: { plan: 'pro' } });
      expect(page.sp).toMatchObject({
        origin: 'dom',
        integration: 'analytics.js',
        sdk: library,
        title: 'Pricing',
        url: { full_url: pageUrl, host: new URL(siteOrigin).host, query: '?utm_source=newsletter' },
        user_agent: { raw_user_agent: expect.stringContaining('Chrome') },
        campaign: { source: 'newsletter' },
        segment: { type: 'page', anonymous_id: visit.anonymousId, user_id: null },
      });
      expect(typeof page.sp.locale).toBe('string');
      expect(page.ep.message_id).toMatch(/^ajs-next-/);
      // the page's view: its page call and the messages sent from it, in one session
      expect([track.view_id, identify.view_id, group.view_id, alias.view_id]).toEqual([
        page.view_id,
        page.view_id,
        page.view_id,
        page.view_id,
      ]);
      expect(track.ep).toMatchObject({ event_name: 'Plan Selected', properties: { plan: 'pro', seats: 3 } });
      expect(track.sp.url.full_url).toBe(pageUrl);
      expect(identify.ep).toMatchObject({
        user_id: user,
        user_email: 'ada@example.com',
        user_display_name: 'Ada L',
        user_properties: { plan: 'pro' },
      });
      expect(group.ep).toMatchObject({ event_name: '$group', properties: { group_id: 'org-42', traits: { name: 'Acme' } } });
      expect(group.sp.segment).toMatchObject({ user_id: user, anonymous_id: visit.anonymousId });
      // stored as sent (analytics.js sends the identified user as userId, whatever alias() was given)
      const aliasSent = visit.sent.find((m) => m.type === 'alias');
      expect(alias.ep).toMatchObject({
        event_name: '$alias',
        properties: { user_id: aliasSent.userId, previous_id: aliasSent.previousId },
      });
      expect(alias.ep.properties.previous_id).toBe(user);
      // a screen call from a web page: a view of its own, the screen name as the path of an app:// URL
      expect(screen.view_id).not.toBe(page.view_id);
      expect(screen.sp.url).toMatchObject({ full_url: 'app://app/Checkout', path: '/Checkout' });
    }
  });
});
