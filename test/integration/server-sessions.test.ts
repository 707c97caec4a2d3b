import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const MINUTE = 60_000;

async function sessionOfServerEvent(name: string, timestamp: number): Promise<string | null> {
  const r = await t.post(
    '/v2/events',
    { name, timestamp: new Date(timestamp).toISOString(), user: { uid: 'ada' }, session: { use_most_recent: true } },
    { key: t.org.keys.admin },
  );
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const [row] = await t.db.rows<{ session_id: string | null }>(sql`
    select session_id::text from events where org_id = ${t.org.orgId} and event_properties ->> 'event_name' = ${name}`);
  return row!.session_id;
}

describe('server events in "the user\'s most recent session"', () => {
  it("picks the session by the event's own timestamp, not by its arrival", async () => {
    // ada's web session: events between base and base + 10 minutes, sent now
    const base = Date.now() - 6 * 60 * MINUTE;
    const r = await t.post('/capture/v1/batch', {
      device_id: '4242',
      session_id: '7',
      events: [
        { id: 'n', seq: 1, view_id: '1', time: base, type: 'navigate', url: 'https://shop.example/' },
        { id: 'i', seq: 2, view_id: '1', time: base + 10 * MINUTE, type: 'identify', properties: { user_id: 'ada' } },
      ],
    });
    expect(r.status).toBe(202);

    // hours before the session: it does not belong to it (it would stretch it to six hours)
    expect(await sessionOfServerEvent('before', base - 4 * 60 * MINUTE)).toBeNull();
    // more than 30 minutes after its last event
    expect(await sessionOfServerEvent('after', base + 45 * MINUTE)).toBeNull();
    // within 30 minutes after its last event (and then part of it)
    expect(await sessionOfServerEvent('during', base + 25 * MINUTE)).toBe('7');
  });
});
