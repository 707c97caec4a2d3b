/**
 * A client event is stored once, whatever races: the store is partitioned by capture day, so no
 * unique index can say it; the writer checks under its view's lock or an advisory lock of the
 * event's identity (server/processing/writer.ts).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' } });
});
afterAll(() => t.close());

const count = async (where: ReturnType<typeof sql>) =>
  (
    await t.db.rows<{ n: number }>(
      sql`select count(*)::int as n from events where org_id = ${t.org.orgId} and event_type is not null and ${where}`,
    )
  )[0]!.n;

describe('a client event is stored once under concurrent replays', () => {
  it('the same Idempotency-Key sent 20 times at once is one event', async () => {
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.post(
          '/v2/events',
          { name: 'Paid once', user: { uid: 'racer' } },
          { key: t.org.keys.admin, headers: { 'idempotency-key': 'race-1' } },
        ),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await count(sql`event_properties ->> 'event_name' = 'Paid once'`)).toBe(1);
  });

  it('the same native batch sent 10 times at once is stored once', async () => {
    const body = {
      device_id: '880088',
      session_id: '1',
      events: Array.from({ length: 20 }, (_, i) => ({
        id: `r${i}`,
        seq: i,
        view_id: '77',
        time: Date.now() - 1000 + i,
        type: i === 0 ? 'navigate' : 'click',
        ...(i === 0 ? { url: 'https://shop.example/' } : { target: { path: [{ tag: 'a' }] } }),
      })),
    };
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.post('/capture/v1/batch', body)));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    expect(answers.reduce((n, a) => n + a.body.duplicates, 0)).toBe(9 * 20);
    expect(await count(sql`device_id = 880088`)).toBe(20);
  });

  it('server events in batches that overlap are stored once each', async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({ name: `Batch ${i}`, user: { uid: 'batcher' } }));
    const answers = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.post('/v2/events/batch', { requests }, { key: t.org.keys.admin, headers: { 'idempotency-key': 'batch-race' } }),
      ),
    );
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    expect(await count(sql`event_properties ->> 'event_name' like 'Batch %'`)).toBe(30);
  });
});
