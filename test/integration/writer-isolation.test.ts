import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapturedEvent } from '../../server/events/captured-event.ts';
import { createTestOrg, startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

let n = 0;
function event(orgId: string, properties: Record<string, unknown>): CapturedEvent {
  n++;
  return {
    orgId,
    dedupKey: `iso-${n}`,
    seq: n,
    deviceId: '777',
    sessionId: '1',
    viewId: null,
    eventTimeMicros: Date.now() * 1000,
    capturedTime: new Date(),
    eventType: 'custom',
    properties: { event_name: 'iso', properties },
    url: null,
    target: null,
    sourceType: 'server',
    source: { entrypoint: 'test', origin: 'server', integration: 'test' },
  };
}

describe('the event writer under bad data', () => {
  it('rejects only the event the store refuses; the rest of its request and other requests are stored', async () => {
    const other = await createTestOrg(t.db, 'other org');
    // A lone surrogate is what Postgres' JSON refuses (capture replaces it before it gets here;
    // the writer must hold even when something it cannot store slips through).
    const bad = event(t.org.orgId, { text: 'broken \ud800 text' });
    const mixed = [event(t.org.orgId, { k: 1 }), bad, event(t.org.orgId, { k: 2 }), event(t.org.orgId, { k: 3 })];
    const neighbour = [event(other.orgId, { k: 'other org' })];
    // written together, so both requests share one flush
    const [a, b] = await Promise.all([t.app.writer.write(mixed), t.app.writer.write(neighbour)]);
    expect(a).toMatchObject({ stored: 3, rejected: [{ position: 1, code: 'EVENT_NOT_STORABLE' }] });
    expect(b).toMatchObject({ stored: 1, rejected: [] });
    const rows = await t.db.rows<{ k: string }>(sql`
      select event_properties -> 'properties' ->> 'k' as k from events where dedup_key like 'iso-%' order by dedup_key`);
    expect(rows.map((r) => r.k).sort()).toEqual(['1', '2', '3', 'other org']);
  });
});
