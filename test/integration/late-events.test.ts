import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
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
  it('re-emits the events after a late navigate with the new page context and tombstones their old rows', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'a', seq: 1, view_id: view, time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'b', seq: 2, view_id: view, time: at(20), type: 'click', target },
      { id: 'c', seq: 3, view_id: view, time: at(30), type: 'click', target },
      { id: 'd', seq: 4, view_id: view, time: at(40), type: 'navigate', url: 'https://shop.example/d' },
      { id: 'e', seq: 5, view_id: view, time: at(50), type: 'click', target },
    ]);
    const before = await rowsOf(device);
    expect(before.map((r) => r.eventType)).toEqual(['navigate', 'click', 'click', 'navigate', 'click']);
    const byTime = new Map(before.map((r) => [r.eventTime, r]));

    const result = await send(device, [{ id: 'late', seq: 9, view_id: view, time: at(25), type: 'navigate', url: 'https://shop.example/late', title: 'Late page' }]);
    expect(result.accepted).toBe(1);

    const after = await rowsOf(device);
    const live = after.filter((r) => r.eventType !== null);
    const tombstones = after.filter((r) => r.eventType === null);
    // events before the late one are untouched
    const untouched = live.filter((r) => byTime.has(r.eventTime) && byTime.get(r.eventTime).eventId === r.eventId);
    expect(untouched.map((r) => r.eventTime)).toEqual([stored(10), stored(20)]);
    // the three events after it are re-emitted under new ids, in order
    expect(live.map((r) => r.eventType)).toEqual(['navigate', 'click', 'navigate', 'click', 'navigate', 'click']);
    const reemitted = live.slice(3);
    for (const row of reemitted) {
      const old = byTime.get(row.eventTime);
      expect(row.eventId).not.toBe(old.eventId);
      expect(row.processedTime > old.processedTime).toBe(true);
    }
    // the click at 30 now belongs to the late page; the click at 50 still to /d
    expect(reemitted[0].sourceProperties.url.path).toBe('/late');
    expect(reemitted[0].sourceProperties.title).toBe('Late page'); // the page context includes its title
    expect(reemitted[2].sourceProperties.url.path).toBe('/d');
    // their earlier rows are tombstones: same event_id, payload NULL, processed_time refreshed
    expect(tombstones.map((r) => r.eventId).sort()).toEqual(before.slice(2).map((r) => r.eventId).sort());
    for (const tomb of tombstones) {
      expect(tomb.eventProperties).toBeNull();
      expect(tomb.sourceProperties).toBeNull();
      expect(tomb.processedTime > byTime.get(tomb.eventTime).processedTime).toBe(true);
    }
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

  it('re-emits again when a second late event lands before already re-emitted rows', async () => {
    const device = String(++views);
    const view = String(++views);
    await send(device, [
      { id: 'a', seq: 1, view_id: view, time: at(10), type: 'navigate', url: 'https://shop.example/a' },
      { id: 'b', seq: 2, view_id: view, time: at(30), type: 'click', target },
    ]);
    await send(device, [{ id: 'l1', seq: 5, view_id: view, time: at(20), type: 'click', target }]);
    await send(device, [{ id: 'l2', seq: 6, view_id: view, time: at(15), type: 'click', target }]);
    const rows = await rowsOf(device);
    const live = rows.filter((r) => r.eventType !== null);
    expect(live).toHaveLength(4);
    // one live row per client event, and every superseded version is a tombstone
    expect(rows.filter((r) => r.eventType === null)).toHaveLength(3);
    expect(live.map((r) => r.eventTime)).toEqual([stored(10), stored(15), stored(20), stored(30)]);
  });
});
