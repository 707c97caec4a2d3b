import { sql } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../server/log.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

// Security issue #11, observation 3 and the text parts of 8: text Postgres cannot store (a lone
// UTF-16 surrogate, U+0000), made by a client or by the server's own cuts, must never cost the
// request (503) nor leak the payload to the log.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' } });
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

const EMOJI = '\u{1F600}'; // two UTF-16 units
const LONE = '\ud800';
let n = 0;
const nextDevice = () => String(700_000 + ++n);
const event = (extra: Record<string, unknown> = {}) => ({
  id: `w${++n}`,
  seq: n,
  view_id: '1',
  time: Date.now(),
  type: 'load',
  properties: { load_time_millis: 5 },
  ...extra,
});
const wellFormed = (value: unknown) => JSON.stringify(value).match(/\\ud[89a-f][0-9a-f]{2}/i) === null;

async function rowsOf(deviceId: string) {
  return t.db.rows<{ event_type: string; event_properties: any; source_properties: any; target_path: any }>(
    sql`select event_type, event_properties, source_properties, target_path from events where org_id = ${t.org.orgId} and device_id = ${deviceId} order by client_seq`,
  );
}

describe('lone surrogates become U+FFFD, and the batch is stored', () => {
  it('native batch: in a property value, a property name and a client id', async () => {
    const device = nextDevice();
    const r = await t.post('/capture/v1/batch', {
      device_id: device,
      events: [event({ id: `id${LONE}`, type: 'custom', properties: { event_name: `a${LONE}b`, [`k${LONE}`]: `\udc00v` } }), event()],
    });
    expect([r.status, r.body.accepted]).toEqual([202, 2]);
    const [custom] = await rowsOf(device);
    expect(custom!.event_properties).toMatchObject({ event_name: 'a\ufffdb', properties: { 'k\ufffd': '\ufffdv' } });
  });

  it('POST /v2/events and /v2/users', async () => {
    expect((await t.post('/v2/events', { name: `n${LONE}`, user: { uid: `u${LONE}` }, properties: { p: LONE } })).status).toBe(200);
    expect((await t.post('/v2/users', { uid: `u${LONE}`, display_name: LONE })).status).toBe(200);
    const stored = await t.db.rows<{ n: string }>(
      sql`select count(*)::text as n from events where org_id = ${t.org.orgId} and event_properties->>'event_name' = 'n\ufffd'`,
    );
    expect(stored[0]!.n).toBe('1');
  });

  it('POST /v2/events/batch: the valid events of the batch are stored with the fixed one', async () => {
    const r = await t.post('/v2/events/batch', {
      requests: [
        { name: `batch${LONE}`, session: { id: '5:1' } },
        { name: 'batch-ok', session: { id: '5:1' } },
        { session: { id: '5:1' }, properties: { why: LONE } },
      ],
    });
    expect([r.status, r.body.job.status]).toEqual([200, 'FAILED']);
    const names = await t.db.rows<{ name: string }>(
      sql`select event_properties->>'event_name' as name from events where org_id = ${t.org.orgId} and device_id = 5 order by 1`,
    );
    expect(names.map((x) => x.name)).toEqual(['batch-ok', 'batch\ufffd']);
  });
});

describe('the server cuts text on code-point boundaries', () => {
  it('title, target text, element id, classes and attributes, user agent and SDK name with an emoji at the cut', async () => {
    const device = nextDevice();
    const r = await t.post('/capture/v1/batch', {
      device_id: device,
      sdk: { name: `${'s'.repeat(63)}${EMOJI}`, version: `${'v'.repeat(31)}${EMOJI}` },
      context: { user_agent: `${'u'.repeat(1023)}${EMOJI}` },
      events: [
        event({ type: 'navigate', url: 'https://shop.example/', title: `${'t'.repeat(1023)}${EMOJI}`, properties: {} }),
        event({
          type: 'click',
          target: {
            text: `${'x'.repeat(1023)}${EMOJI}`,
            path: [
              {
                tag: 'button',
                id: `${'i'.repeat(255)}${EMOJI}`,
                classes: [`${'c'.repeat(127)}${EMOJI}`],
                attrs: { [`${'n'.repeat(127)}${EMOJI}`]: `${'a'.repeat(1023)}${EMOJI}` },
              },
            ],
          },
        }),
      ],
    });
    expect([r.status, r.body.accepted]).toEqual([202, 2]);
    const [navigate, click] = await rowsOf(device);
    expect(navigate!.source_properties.title).toBe('t'.repeat(1023));
    expect(navigate!.source_properties.user_agent.raw_user_agent).toBe('u'.repeat(1023));
    expect(navigate!.source_properties.integration).toBe('s'.repeat(63));
    expect(click!.event_properties.target.text).toBe('x'.repeat(1023));
    expect(click!.target_path).toEqual([
      { tag: 'button', id: 'i'.repeat(255), classes: ['c'.repeat(127)], attrs: { ['n'.repeat(127)]: 'a'.repeat(1023) } },
    ]);
    expect(wellFormed([navigate, click])).toBe(true);
  });

  it('v2 context strings with an emoji at the cut', async () => {
    const r = await t.post('/v2/events', {
      name: 'cut-context',
      session: { id: '6:1' },
      context: { browser: { user_agent: `${'u'.repeat(1023)}${EMOJI}` }, device: { model: `${'m'.repeat(255)}${EMOJI}` } },
    });
    expect(r.status).toBe(200);
    const [row] = await rowsOf('6');
    expect(row!.source_properties).toMatchObject({ user_agent: { raw_user_agent: 'u'.repeat(1023) }, device: { model: 'm'.repeat(255) } });
  });
});

describe('ids Postgres cannot store get a validation code, not a 503', () => {
  it('U+0000 in an id: stored as U+FFFD when sent in the body, refused in a user.id (no user can have it)', async () => {
    expect((await t.post('/v2/users', { uid: 'nul\u0000uid' })).status).toBe(200);
    const users = await t.db.rows<{ uid: string }>(sql`select uid from users where org_id = ${t.org.orgId} and uid like 'nul%'`);
    expect(users.map((u) => u.uid)).toEqual(['nul\ufffduid']);

    const id = Buffer.from('a\u0000b').toString('base64url');
    const r = await t.post('/v2/events', { name: 'nul-user', user: { id } });
    expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_FIELD']);
    const get = await fetch(`${t.url}/v2/users/${id}`, { headers: { authorization: `Bearer ${t.org.keys.admin}` } });
    expect([get.status, (await get.json()).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('deep nesting never overflows the stack', () => {
  const deepArray = (levels: number) => `${'['.repeat(levels)}"\\u0000"${']'.repeat(levels)}`;

  it('native batch: 100,000 nested arrays holding U+0000 reject that event and keep the others', async () => {
    const device = nextDevice();
    const raw = `{"device_id":"${device}","events":[${deepArray(100_000)},${JSON.stringify(event())},${JSON.stringify(event({ properties: { deep: JSON.parse(deepArray(50)) } }))}]}`;
    const r = await t.post('/capture/v1/batch', undefined, { raw });
    expect(r.status).toBe(207);
    expect(r.body.accepted).toBe(1);
    expect(r.body.rejected.map((x: { code: string }) => x.code)).toEqual(['INVALID_EVENT', 'PROPERTIES_TOO_DEEP']);
  });

  it('POST /v2/events/batch and /v2/events', async () => {
    const raw = `{"requests":[${deepArray(100_000)},{"name":"deep-neighbour","session":{"id":"7:1"}}]}`;
    const r = await t.post('/v2/events/batch', undefined, { raw });
    expect([r.status, r.body.job?.status]).toEqual([200, 'FAILED']);
    const errors = await fetch(`${t.url}/v2/events/batch/${r.body.job.id}/errors`, {
      headers: { authorization: `Bearer ${t.org.keys.admin}` },
    });
    expect((await errors.json()).results).toEqual([{ index: 0, code: 'INVALID_REQUEST', message: expect.any(String), event: null }]);
    expect(await rowsOf('7')).toHaveLength(1);
    const single = await t.post('/v2/events', undefined, { raw: deepArray(100_000) });
    expect([single.status, single.body.error.code]).toEqual([400, 'INVALID_REQUEST']);
  });
});

describe('a storage error is logged without its query or payload', () => {
  it('logs only what the logger keeps of an error', async () => {
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(chunk.toString('utf8'));
        done();
      },
    });
    // an app of its own on the same store, logging at debug (stacks included) into `logged`
    const own = await startTestApp({
      db: t.db,
      env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000' },
      appDeps: { log: createLogger('debug', sink) },
    });
    await t.db.rows(
      sql`create or replace function refuse_log_leak() returns trigger language plpgsql as $$ begin raise exception 'refused by the test'; end $$`,
    );
    await t.db.rows(
      sql`create trigger refuse_log_leak before insert on events for each row when (new.dedup_key like '%log-leak%') execute function refuse_log_leak()`,
    );
    try {
      const secret = 'personal-data-4711@example.com';
      const r = await own.post('/capture/v1/batch', {
        device_id: nextDevice(),
        events: [event({ id: 'log-leak', type: 'identify', properties: { user_id: secret, user_email: secret } })],
      });
      expect([r.status, r.body.error.code]).toEqual([503, 'UNAVAILABLE']);
      const failures = logged.map((line) => JSON.parse(line) as { msg: string; err?: string }).filter((l) => l.msg === 'capture failed');
      expect(failures).toHaveLength(1);
      expect(failures[0]!.err).toMatch(/^database error P0001$/);
      const text = logged.join('\n');
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/insert into|copy events|params:/i);
    } finally {
      await t.db.rows(sql`drop trigger refuse_log_leak on events`);
      await own.close();
    }
  });
});
