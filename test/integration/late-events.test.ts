import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REEMITTED_ROWS_PER_REQUEST } from '../../server/processing/writer.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  // the bound test sends a few thousand events at once
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' } });
});
afterAll(() => t.close());

let views = 5_000_000;
const base = Date.parse('2026-11-26T10:00:00Z');
const at = (s: number) => new Date(base + s * 1000).toISOString();
/** The store's rendering of `at(s)`: microsecond precision. */
const stored = (s: number) => at(s).replace('.000Z', '.000000Z');
const target = { path: [{ tag: 'button', id: 'b' }, { tag: 'body' }, { tag: 'html' }] };

async function send(deviceId: string, events: Record<string, unknown>[]) {
  const r = await t.post('/capture/v1/batch', { sdk: { name: 'test', version: '1' }, device_id: deviceId, session_id: '1', events });
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return r.body;
}

async function rowsOf(deviceId: string, includeTombstones = true) {
  const r = await t.gql(
    `query($f: EventFilter) { events(first: 500, filter: $f) { nodes { eventId eventTime processedTime viewId eventType eventProperties sourceProperties } } }`,
    { f: { deviceId, includeTombstones } },
  );
  expect(r.body.errors).toBeUndefined();
  // in view order (the listing itself is in processing order)
  return (r.body.data.events.nodes as any[]).sort((a, b) => a.eventTime.localeCompare(b.eventTime));
}

describe('per-view ordering and late events', () => {
  it('re-emits only the rows whose page a late navigate changes, and tombstones their old rows', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'a', seq: 1, view_id: view, time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'b', seq: 2, view_id: view, time: at(20), type: 'click', target },
      { id: 'c', seq: 3, view_id: view, time: at(30), type: 'click', target },
      { id: 'c2', seq: 4, view_id: view, time: at(35), type: 'click', target, url: 'https://shop.example/own' },
      { id: 'd', seq: 5, view_id: view, time: at(40), type: 'navigate', url: 'https://shop.example/d' },
      { id: 'e', seq: 6, view_id: view, time: at(50), type: 'click', target },
    ]);
    const before = await rowsOf(device);
    const byTime = new Map(before.map((r) => [r.eventTime, r]));

    const result = await send(device, [
      { id: 'late', seq: 9, view_id: view, time: at(25), type: 'navigate', url: 'https://shop.example/late', title: 'Late page' },
    ]);
    expect(result.accepted).toBe(1);

    const after = await rowsOf(device);
    const live = after.filter((r) => r.eventType !== null);
    const tombstones = after.filter((r) => r.eventType === null);
    expect(live.map((r) => r.eventType)).toEqual(['navigate', 'click', 'navigate', 'click', 'click', 'navigate', 'click']);
    // the click at 30 took its page from /a and now belongs to the late page: a new version
    const reemitted = live.find((r) => r.eventTime === stored(30));
    expect(reemitted.eventId).not.toBe(byTime.get(stored(30)).eventId);
    expect(reemitted.processedTime > byTime.get(stored(30)).processedTime).toBe(true);
    expect(reemitted.sourceProperties.url.path).toBe('/late');
    expect(reemitted.sourceProperties.title).toBe('Late page'); // the page context includes its title
    // nothing else changed: before it, a click with its own URL, the next navigate and what follows it
    for (const s of [10, 20, 35, 40, 50]) expect(live.find((r) => r.eventTime === stored(s)).eventId).toBe(byTime.get(stored(s)).eventId);
    // its earlier row is a tombstone: same event_id, payload NULL, processed_time refreshed
    expect(tombstones.map((r) => r.eventId)).toEqual([byTime.get(stored(30)).eventId]);
    expect(tombstones[0].eventProperties).toBeNull();
    expect(tombstones[0].sourceProperties).toBeNull();
  });

  it('a late navigate to the page the rows already have rewrites nothing', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'a', seq: 1, view_id: view, time: at(10), type: 'navigate', url: 'https://shop.example/same', title: 'Same' },
      { id: 'b', seq: 2, view_id: view, time: at(30), type: 'click', target },
    ]);
    await send(device, [
      {
        id: 'again',
        seq: 3,
        view_id: view,
        time: at(20),
        type: 'navigate',
        url: 'https://shop.example/same',
        title: 'Same',
        properties: { navigate_reason: 'reload' },
      },
    ]);
    const rows = await rowsOf(device);
    expect(rows.map((r) => r.eventType)).toEqual(['navigate', 'navigate', 'click']);
  });

  it('orders events of one view by time then sequence number whatever order they arrive in', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'x3', seq: 3, view_id: view, time: at(5), type: 'click', target },
      { id: 'x1', seq: 1, view_id: view, time: at(5), type: 'navigate', url: 'https://shop.example/p' },
      { id: 'x2', seq: 2, view_id: view, time: at(5), type: 'load', properties: { load_time_millis: 10 } },
    ]);
    const rows = await rowsOf(device);
    // no re-emission: all arrived in one batch
    expect(rows).toHaveLength(3);
    const click = rows.find((r) => r.eventType === 'click');
    expect(click.sourceProperties.url.path).toBe('/p');
  });

  it('treats a replay of an already processed event as a duplicate, not as a late event', async () => {
    const device = String(++views);
    const view = String(++views);
    const first = { id: 'r1', seq: 1, view_id: view, time: at(1), type: 'navigate', url: 'https://shop.example/r' };
    await send(device, [first, { id: 'r2', seq: 2, view_id: view, time: at(2), type: 'click', target }]);
    const result = await send(device, [first]);
    expect(result).toMatchObject({ accepted: 1, duplicates: 1 });
    const rows = await rowsOf(device);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.eventType !== null)).toBe(true);
  });

  it('a late click, custom event or identify writes one row and rewrites nothing', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'a', seq: 1, view_id: view, time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      ...Array.from({ length: 20 }, (_, i) => ({ id: `c${i}`, seq: 10 + i, view_id: view, time: at(30 + i), type: 'click', target })),
    ]);
    const before = await rowsOf(device);
    await send(device, [{ id: 'l1', seq: 5, view_id: view, time: at(20), type: 'click', target }]);
    await send(device, [{ id: 'l2', seq: 6, view_id: view, time: at(15), type: 'custom', properties: { event_name: 'late' } }]);
    await send(device, [{ id: 'l3', seq: 7, view_id: view, time: at(12), type: 'identify', properties: { user_id: 'late-user' } }]);
    const rows = await rowsOf(device);
    expect(rows.filter((r) => r.eventType === null)).toHaveLength(0);
    expect(rows).toHaveLength(before.length + 3);
    // the late ones take the page of the navigate before them
    for (const s of [12, 15, 20]) expect(rows.find((r) => r.eventTime === stored(s)).sourceProperties.url.path).toBe('/a');
  });
});

describe('the price of a late event', () => {
  it('stores a late navigate whose re-emission would pass the bound, and reports it instead of rewriting', async () => {
    const device = String(++views);
    const view = String(++views);
    const clicks = MAX_REEMITTED_ROWS_PER_REQUEST + 1;
    await send(device, [{ id: 'nav', seq: 1, view_id: view, time: at(1), type: 'navigate', url: 'https://shop.example/a' }]);
    for (let start = 0; start < clicks; start += 500) {
      const n = Math.min(500, clicks - start);
      await send(
        device,
        Array.from({ length: n }, (_, k) => ({
          id: `c${start + k}`,
          seq: 10 + start + k,
          view_id: view,
          time: at(100 + start + k),
          type: 'click',
          target,
        })),
      );
    }
    const late = await send(device, [
      { id: 'late', seq: 2, view_id: view, time: at(50), type: 'navigate', url: 'https://shop.example/late' },
    ]);
    expect(late).toMatchObject({ accepted: 1, warnings: [{ index: 0, code: 'LATE_EVENT_NOT_REORDERED' }] });
    const [counts] = await t.db.rows<{ live: number; tombstones: number }>(sql`
      select count(*) filter (where event_type is not null)::int as live, count(*) filter (where event_type is null)::int as tombstones
      from events where org_id = ${t.org.orgId} and device_id = ${device}`);
    expect(counts).toEqual({ live: clicks + 2, tombstones: 0 });
    // within the bound, the same late navigate re-emits what follows it
    const small = String(++views);
    await send(device, [
      { id: 's-nav', seq: 1, view_id: small, time: at(1), type: 'navigate', url: 'https://shop.example/a' },
      ...Array.from({ length: 10 }, (_, k) => ({ id: `s${k}`, seq: 10 + k, view_id: small, time: at(100 + k), type: 'click', target })),
    ]);
    const within = await send(device, [
      { id: 's-late', seq: 2, view_id: small, time: at(50), type: 'navigate', url: 'https://shop.example/late' },
    ]);
    expect(within.warnings).toBeUndefined();
    const [after] = await t.db.rows<{ tombstones: number }>(sql`
      select count(*) filter (where event_type is null)::int as tombstones from events where org_id = ${t.org.orgId} and view_id = ${small}`);
    expect(after!.tombstones).toBe(10);
  });
});

describe('the rate limit charges the rows a request writes', () => {
  it('a late navigate that re-emits rows costs them: the key waits for its next request', async () => {
    const slow = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '200' } });
    try {
      const post = (events: Record<string, unknown>[]) => slow.post('/capture/v1/batch', { device_id: '31337', session_id: '1', events });
      const view = String(++views);
      const first = await post([
        { id: 'nav', seq: 1, view_id: view, time: at(1), type: 'navigate', url: 'https://shop.example/a' },
        ...Array.from({ length: 300 }, (_, k) => ({ id: `c${k}`, seq: 10 + k, view_id: view, time: at(100 + k), type: 'click', target })),
      ]);
      expect(first.status).toBe(202);
      // one event, but 300 rows re-emitted and 300 tombstoned: 601 rows, far past the bucket
      const late = await post([{ id: 'late', seq: 2, view_id: view, time: at(50), type: 'navigate', url: 'https://shop.example/late' }]);
      expect(late.status).toBe(202);
      const next = await post([{ id: 'next', seq: 999, view_id: view, time: at(999), type: 'click', target }]);
      expect(next.status).toBe(429);
      expect(next.body.error.code).toBe('RATE_LIMITED');
      expect(Number(next.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await slow.close();
    }
  });
});
