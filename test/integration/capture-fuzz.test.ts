import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../server/capture/limits.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

/**
 * Property-based fuzzing of the data plane against a real listening server: random mixes of valid
 * and hostile events (lone surrogates, U+0000, deep nesting, huge numbers, wrong types, emoji at
 * the server's cuts, script URLs …). Whatever is sent: never a 5xx, every 4xx has a code, and
 * every valid event of a mixed batch is stored.
 *
 * A fixed seed and a few seconds per endpoint in CI. To fuzz longer (with more runs of the same
 * seed, or another seed): TRIBUTARY_FUZZ_SECONDS=120 [TRIBUTARY_FUZZ_SEED=42] npx vitest run
 * test/integration/capture-fuzz.test.ts. A failure prints its seed and path to replay it.
 */
const seconds = Number(process.env.TRIBUTARY_FUZZ_SECONDS ?? 0);
const settings: fc.Parameters<unknown> = {
  seed: Number(process.env.TRIBUTARY_FUZZ_SEED ?? 20261130),
  numRuns: seconds > 0 ? 1_000_000 : 40,
  plugins: [fc.interruptAfterTimeLimit(seconds > 0 ? seconds * 1000 : 6_000)],
  endOnFailure: true,
};
/** Each property's test timeout: its time limit plus the run in flight when it strikes. */
const timeout = (seconds > 0 ? seconds : 6) * 1000 + 30_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CAPTURE_RATE_LIMIT: '100000000' } });
});
afterAll(() => t.close());

// ---------------------------------------------------------------------------------------------
// Arbitraries

const EMOJI = '\u{1F600}';
const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
  EMOJI,
  '\u2028',
  '\\',
  '"',
  "'); drop table events; --",
  '%00',
  '\r\n',
  '\t',
  '\u{10FFFF}',
  '\ufeff',
  'é',
);
/** Text as clients send it, hostile included: any code point, lone surrogates, NUL, emoji at the server's cuts. */
const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join('')),
  fc
    .constantFrom(64, 128, 200, 256, 1024)
    .chain((cut) => fc.integer({ min: cut - 2, max: cut }).map((n) => `${'x'.repeat(n)}${EMOJI}tail`)),
);
const shortText = text.map((s) => s.slice(0, 120));
const properties = fc.dictionary(shortText, fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null)), { maxKeys: 4 });

/** Raw JSON text of a deeply nested value (JSON.stringify itself could not build it). */
const deepJson = fc.tuple(fc.integer({ min: 100, max: 100_000 }), fc.constantFrom('[', '{"a":')).map(([levels, open]) => {
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(levels)}"\\u0000\\ud800"${close.repeat(levels)}`;
});
/** A value where a field should be: wrong types, huge and zero numbers, hostile text. */
const hostileValue = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    1e308,
    -0,
    1e19,
    2 ** 63,
    '9999999999999999999',
    '9223372036854775808',
    '0',
    '',
    null,
    true,
    [],
    {},
    'javascript:alert(1)',
    'data:text/html,x',
  ),
  fc.anything({ maxDepth: 3 }),
);

/** JSON text of a value that may hold raw deep-nesting fragments (marked objects). */
const RAW = Symbol('raw JSON text');
type Raw = { [RAW]: string };
const raw = (json: string): Raw => ({ [RAW]: json });
function toJson(value: unknown): string {
  if (typeof value === 'object' && value !== null && RAW in value) return (value as Raw)[RAW];
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

let runs = 0;
const runId = () => `${Date.now().toString(36)}-${++runs}`;

/** A valid native event of one of the common types, with hostile-but-valid text everywhere. */
const validNativeEvent = fc
  .record({
    type: fc.constantFrom('load', 'custom', 'navigate', 'click', 'identify'),
    seq: fc.nat(),
    view: fc.constantFrom('1', 2, '9223372036854775807'),
    ageMs: fc.integer({ min: 0, max: 86_400_000 }),
    isoTime: fc.boolean(),
    text,
    title: fc.option(text, { nil: undefined }),
    properties,
    ownContext: fc.option(fc.record({ user_agent: text }), { nil: undefined }),
  })
  .map((e) => (id: string) => {
    const time = Date.now() - e.ageMs;
    const base: Record<string, unknown> = {
      id,
      seq: e.seq,
      view_id: e.view,
      time: e.isoTime ? new Date(time).toISOString() : time,
      type: e.type,
    };
    if (e.title !== undefined) base.title = e.title;
    if (e.ownContext) base.context = e.ownContext;
    switch (e.type) {
      case 'load':
        return { ...base, properties: { ...e.properties, load_time_millis: e.seq } };
      case 'custom':
        return { ...base, properties: { ...e.properties, event_name: `e${e.text.slice(0, 200)}` } };
      case 'navigate':
        return { ...base, url: `https://shop.example/p/${e.text}?q=${e.text}#/h?x=${e.text}`, properties: {} };
      case 'click':
        return {
          ...base,
          target: {
            text: e.text,
            path: [{ tag: 'button', id: e.text, classes: [e.text, 'btn'], attrs: { [e.text]: e.text, 'data-x': e.text } }, { tag: 'body' }],
          },
        };
      default:
        return {
          ...base,
          properties: { user_id: `u${e.text.slice(0, 200)}`, user_email: e.text, user_display_name: e.text, user_properties: e.properties },
        };
    }
  });

const NATIVE_FIELDS = ['id', 'type', 'seq', 'time', 'view_id', 'session_id', 'url', 'title', 'properties', 'target', 'context'];
/** A native event made hostile: fields replaced by hostile values, a deep value, or anything at all. */
const hostileNativeEvent = fc.oneof(
  fc
    .tuple(validNativeEvent, fc.array(fc.tuple(fc.constantFrom(...NATIVE_FIELDS), hostileValue), { minLength: 1, maxLength: 3 }))
    .map(([make, replacements]) => (id: string) => ({ ...make(id), ...Object.fromEntries(replacements) })),
  fc
    .tuple(validNativeEvent, fc.constantFrom('properties', 'context', 'target', 'title', 'id'), deepJson)
    .map(([make, field, deep]) => (id: string) => ({ ...make(id), [field]: raw(deep) })),
  deepJson.map((deep) => () => raw(deep)),
  hostileValue.map((value) => () => value),
);

// ---------------------------------------------------------------------------------------------
// Checks

async function send(path: string, body: string, key = t.org.keys.capture) {
  const response = await fetch(`${t.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

/** Never a 5xx; a 4xx always carries `{ error: { code, message } }`. */
function expectAnswered(r: { status: number; body: any }): void {
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(500);
  if (r.status >= 400) {
    expect(r.body?.error?.code, JSON.stringify(r.body)).toMatch(/^[A-Z][A-Z_]+$/);
    expect(typeof r.body.error.message).toBe('string');
  }
}

/** Whether `json` is over the body limit, and then answered so (deep values make large bodies). */
function tooLarge(json: string, limit: number, r: { status: number; body: any }): boolean {
  if (Buffer.byteLength(json) <= limit) return false;
  expect([r.status, r.body.error.code]).toEqual([413, 'BODY_TOO_LARGE']);
  return true;
}

async function storedCount(column: 'dedup_key' | 'event_name', values: string[]): Promise<number> {
  if (values.length === 0) return 0;
  const list = JSON.stringify(values);
  const rows =
    column === 'dedup_key'
      ? await t.db.rows<{ n: string }>(
          sql`select count(*)::text as n from events where org_id = ${t.org.orgId} and dedup_key in (select value from json_array_elements_text(${list}::json))`,
        )
      : await t.db.rows<{ n: string }>(
          sql`select count(*)::text as n from events where org_id = ${t.org.orgId} and event_properties->>'event_name' in (select value from json_array_elements_text(${list}::json))`,
        );
  return Number(rows[0]!.n);
}

// ---------------------------------------------------------------------------------------------
// Properties

describe('fuzzing the data plane (fixed seed; TRIBUTARY_FUZZ_SECONDS runs it longer)', () => {
  it(
    'POST /capture/v1/batch: mixed batches store every valid event and answer hostile ones with codes',
    async () => {
      let device = 1_000_000;
      const batchArb = fc.record({
        events: fc.array(
          fc.oneof(
            { weight: 3, arbitrary: validNativeEvent.map((make) => ({ valid: true, make })) },
            { weight: 2, arbitrary: hostileNativeEvent.map((make) => ({ valid: false, make })) },
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        sourceType: fc.constantFrom('web', 'mobile_app'),
        sdkName: shortText,
        context: fc.record({
          user_agent: text,
          initial_referrer: fc.oneof(text, fc.constantFrom('javascript:alert(1)', 'https://www.google.com/')),
          title: text,
        }),
        hostileEnvelope: fc.option(
          fc.tuple(fc.constantFrom('device_id', 'session_id', 'source_type', 'context', 'sdk', 'events'), hostileValue),
          { freq: 8 },
        ),
      });
      await fc.assert(
        fc.asyncProperty(batchArb, async (b) => {
          const run = runId();
          const deviceId = String(++device);
          const events = b.events.map((e, i) => (e.valid ? e.make(`v-${run}-${i}`) : e.make(`h-${run}-${i}`)));
          const envelope: Record<string, unknown> = {
            sdk: { name: b.sdkName, version: '1' },
            source_type: b.sourceType,
            device_id: deviceId,
            session_id: '1',
            context: b.context,
            events,
          };
          if (b.hostileEnvelope) envelope[b.hostileEnvelope[0]] = b.hostileEnvelope[1];
          const json = toJson(envelope);
          const r = await send('/capture/v1/batch', json);
          expectAnswered(r);
          if (b.hostileEnvelope || tooLarge(json, LIMITS.maxBodyBytes, r)) return;
          expect([202, 207]).toContain(r.status);
          const validIndexes = b.events.flatMap((e, i) => (e.valid ? [i] : []));
          const rejected = new Set<number>(r.body.rejected.map((x: { index: number }) => x.index));
          for (const rej of r.body.rejected) expect(rej.code).toMatch(/^[A-Z][A-Z_]+$/);
          expect(
            validIndexes.filter((i) => rejected.has(i)).map((i) => [i, r.body.rejected.find((x: { index: number }) => x.index === i)]),
          ).toEqual([]);
          const keys = validIndexes.map((i) => `${deviceId}:v-${run}-${i}`);
          expect(await storedCount('dedup_key', keys)).toBe(keys.length);
        }),
        settings,
      );
    },
    timeout,
  );

  const validServerEvent = fc
    .record({
      identity: fc.constantFrom('session', 'user', 'recent'),
      text,
      properties,
      withContext: fc.boolean(),
      ageMs: fc.integer({ min: 0, max: 86_400_000 }),
    })
    .map((e) => (name: string) => ({
      name,
      timestamp: new Date(Date.now() - e.ageMs).toISOString(),
      properties: e.properties,
      ...(e.identity === 'session'
        ? { session: { id: '4503599627370495:1732650000000' } }
        : { user: { uid: `u${e.text.slice(0, 200)}` }, ...(e.identity === 'recent' ? { session: { use_most_recent: true } } : {}) }),
      ...(e.withContext
        ? {
            context: {
              browser: { url: `https://shop.example/${e.text}`, user_agent: e.text, initial_referrer: e.text },
              device: { model: e.text },
              location: { city: e.text },
            },
          }
        : {}),
    }));
  const SERVER_FIELDS = ['name', 'timestamp', 'properties', 'session', 'user', 'context', 'schema'];
  const hostileServerEvent = fc.oneof(
    fc
      .tuple(validServerEvent, fc.array(fc.tuple(fc.constantFrom(...SERVER_FIELDS), hostileValue), { minLength: 1, maxLength: 3 }))
      .map(([make, replacements]) => (name: string) => ({ ...make(name), ...Object.fromEntries(replacements) })),
    fc
      .tuple(validServerEvent, fc.constantFrom('properties', 'context', 'user', 'session'), deepJson)
      .map(([make, field, deep]) => (name: string) => ({ ...make(name), [field]: raw(deep) })),
    deepJson.map((deep) => () => raw(deep)),
    hostileValue.map((value) => () => value),
  );

  it(
    'POST /v2/events and /v2/users: valid bodies are stored, hostile ones answered with codes',
    async () => {
      const bodyArb = fc.record({
        event: fc.oneof(
          validServerEvent.map((make) => ({ valid: true, make })),
          hostileServerEvent.map((make) => ({ valid: false, make })),
        ),
        user: fc.oneof(
          fc.record({ uid: shortText.map((s) => `u${s}`), display_name: text, email: text, properties }),
          fc
            .tuple(fc.constantFrom('uid', 'display_name', 'email', 'properties', 'schema'), hostileValue)
            .map(([k, v]) => ({ uid: 'fuzz-user', [k]: v })),
          deepJson.map(raw),
        ),
        key: fc.constantFrom('capture', 'admin') as fc.Arbitrary<'capture' | 'admin'>,
      });
      await fc.assert(
        fc.asyncProperty(bodyArb, async (b) => {
          const name = `fz-${runId()}`;
          const r = await send('/v2/events', toJson(b.event.make(name)), t.org.keys[b.key]);
          expectAnswered(r);
          if (b.event.valid) {
            expect(r.status, JSON.stringify(r.body)).toBe(200);
            expect(await storedCount('event_name', [name])).toBe(1);
          }
          expectAnswered(await send('/v2/users', toJson(b.user), t.org.keys[b.key]));
        }),
        settings,
      );
    },
    timeout,
  );

  it(
    'POST /v2/events/batch: mixed batches store every valid request',
    async () => {
      const batchArb = fc.record({
        requests: fc.array(
          fc.oneof(
            { weight: 3, arbitrary: validServerEvent.map((make) => ({ valid: true, make })) },
            { weight: 2, arbitrary: hostileServerEvent.map((make) => ({ valid: false, make })) },
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        hostileEnvelope: fc.option(fc.tuple(fc.constantFrom('requests', 'shared'), hostileValue), { freq: 8 }),
      });
      await fc.assert(
        fc.asyncProperty(batchArb, async (b) => {
          const run = runId();
          const names = b.requests.map((_, i) => `fzb-${run}-${i}`);
          const body: Record<string, unknown> = { requests: b.requests.map((q, i) => q.make(names[i]!)) };
          if (b.hostileEnvelope) body[b.hostileEnvelope[0]] = b.hostileEnvelope[1];
          const json = toJson(body);
          const r = await send('/v2/events/batch', json);
          expectAnswered(r);
          if (b.hostileEnvelope || tooLarge(json, LIMITS.maxServerBodyBytes, r)) return;
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          const valid = names.filter((_, i) => b.requests[i]!.valid);
          expect(await storedCount('event_name', valid)).toBe(valid.length);
          const errors = await fetch(`${t.url}/v2/events/batch/${r.body.job.id}/errors`, {
            headers: { authorization: `Bearer ${t.org.keys.admin}` },
          });
          expectAnswered({ status: errors.status, body: await errors.json() });
        }),
        settings,
      );
    },
    timeout,
  );

  /** A valid Segment-shaped message of any call type, hostile-but-valid text everywhere. */
  const validSegmentMessage = fc
    .record({
      type: fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias'),
      text,
      properties,
      ids: fc.constantFrom('anonymous', 'user', 'both'),
      ageMs: fc.integer({ min: 0, max: 86_400_000 }),
      skewMs: fc.option(fc.integer({ min: -3_600_000, max: 3_600_000 }), { nil: undefined }),
      context: fc.constantFrom('web', 'app', 'none'),
    })
    .map((m) => (messageId: string) => {
      const time = Date.now() - m.ageMs;
      const id = `x${m.text.slice(0, 200)}`;
      const context =
        m.context === 'web'
          ? {
              page: { url: `https://shop.example/p/${m.text}`, title: m.text, referrer: m.text },
              userAgent: m.text,
              library: { name: m.text, version: m.text },
              ip: m.text,
              locale: m.text,
            }
          : m.context === 'app'
            ? {
                app: { name: m.text, namespace: m.text, version: m.text },
                os: { name: 'iOS', version: m.text },
                device: { model: m.text },
                screen: { width: 390, height: 844 },
              }
            : {};
      const base: Record<string, unknown> = {
        type: m.type,
        messageId,
        ...(m.ids !== 'user' ? { anonymousId: id } : {}),
        ...(m.ids !== 'anonymous' || m.type === 'alias' ? { userId: id } : {}),
        ...(m.skewMs === undefined
          ? { timestamp: new Date(time).toISOString() }
          : { timestamp: new Date(time + m.skewMs).toISOString(), sentAt: new Date(Date.now() + m.skewMs).toISOString() }),
        context,
      };
      switch (m.type) {
        case 'track':
          return { ...base, event: `e${m.text.slice(0, 200)}`, properties: m.properties };
        case 'page':
        case 'screen':
          return { ...base, name: m.text, category: m.text, properties: m.properties };
        case 'identify':
          return { ...base, traits: { ...m.properties, email: m.text, name: m.text } };
        case 'group':
          return { ...base, groupId: id, traits: m.properties };
        default:
          return { ...base, previousId: id };
      }
    });
  const SEGMENT_FIELDS = [
    'type',
    'event',
    'anonymousId',
    'userId',
    'messageId',
    'timestamp',
    'originalTimestamp',
    'sentAt',
    'properties',
    'traits',
    'context',
    'name',
    'groupId',
    'previousId',
  ];
  const hostileSegmentMessage = fc.oneof(
    fc
      .tuple(validSegmentMessage, fc.array(fc.tuple(fc.constantFrom(...SEGMENT_FIELDS), hostileValue), { minLength: 1, maxLength: 3 }))
      .map(([make, replacements]) => (messageId: string) => ({ ...make(messageId), ...Object.fromEntries(replacements) })),
    fc
      .tuple(validSegmentMessage, fc.constantFrom('properties', 'context', 'traits', 'anonymousId'), deepJson)
      .map(([make, field, deep]) => (messageId: string) => ({ ...make(messageId), [field]: raw(deep) })),
    deepJson.map((deep) => () => raw(deep)),
    hostileValue.map((value) => () => value),
  );

  it(
    'POST /v1/batch and the single calls (Segment-shaped): mixed batches store every valid message',
    async () => {
      const batchArb = fc.record({
        messages: fc.array(
          fc.oneof(
            { weight: 3, arbitrary: validSegmentMessage.map((make) => ({ valid: true, make })) },
            { weight: 2, arbitrary: hostileSegmentMessage.map((make) => ({ valid: false, make })) },
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        sentAt: fc.option(fc.oneof(fc.constant(new Date().toISOString()), hostileValue), { nil: undefined }),
        hostileEnvelope: fc.option(fc.tuple(fc.constantFrom('batch', 'context'), hostileValue), { freq: 8 }),
        single: fc.oneof(
          validSegmentMessage.map((make) => ({ valid: true, make })),
          hostileSegmentMessage.map((make) => ({ valid: false, make })),
        ),
        singlePath: fc.constantFrom('/v1/track', '/v1/page', '/v1/screen', '/v1/identify', '/v1/group', '/v1/alias', '/v1/t', '/v1/p'),
      });
      await fc.assert(
        fc.asyncProperty(batchArb, async (b) => {
          const run = runId();
          const body: Record<string, unknown> = { batch: b.messages.map((m, i) => m.make(`${m.valid ? 'v' : 'h'}-${run}-${i}`)) };
          // a batch-level sentAt that is no time rejects the messages that would be corrected by it
          if (b.sentAt !== undefined && typeof b.sentAt === 'string' && b.sentAt.endsWith('Z')) body.sentAt = b.sentAt;
          if (b.hostileEnvelope) body[b.hostileEnvelope[0]] = b.hostileEnvelope[1];
          const json = toJson(body);
          const r = await send('/v1/batch', json);
          expectAnswered(r);
          if (b.hostileEnvelope?.[0] === 'batch' || tooLarge(json, LIMITS.maxBodyBytes, r)) return;
          expect([202, 207], JSON.stringify(r.body)).toContain(r.status);
          const validIndexes = b.messages.flatMap((m, i) => (m.valid ? [i] : []));
          const rejected = new Set<number>(r.body.rejected.map((x: { index: number }) => x.index));
          for (const rej of r.body.rejected) expect(rej.code).toMatch(/^[A-Z][A-Z_]+$/);
          expect(
            validIndexes.filter((i) => rejected.has(i)).map((i) => [i, r.body.rejected.find((x: { index: number }) => x.index === i)]),
          ).toEqual([]);
          const keys = validIndexes.map((i) => `seg:v-${run}-${i}`);
          expect(await storedCount('dedup_key', keys)).toBe(keys.length);

          // a single call: the path gives the type
          const message = b.single.make(`${b.single.valid ? 'v' : 'h'}-${run}-single`) as Record<string, unknown>;
          const path = b.single.valid ? `/v1/${String(message.type)}` : b.singlePath;
          const one = await send(path, toJson(message));
          expectAnswered(one);
          if (b.single.valid) {
            expect(one.status, JSON.stringify(one.body)).toBe(202);
            expect(await storedCount('dedup_key', [`seg:v-${run}-single`])).toBe(1);
          }
        }),
        settings,
      );
    },
    timeout,
  );

  it(
    'bodies that are not JSON, or not what the endpoint expects, are answered without a 5xx',
    async () => {
      const bodyArb = fc.tuple(
        fc.constantFrom(
          '/capture/v1/batch',
          '/v2/events',
          '/v2/events/batch',
          '/v2/users',
          '/v2/users/batch',
          '/v1/batch',
          '/v1/track',
          '/v1/p',
          '/v1/identify',
        ),
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 64 }),
          deepJson,
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.constantFrom('', '{', '{"events":', '\u0000', '"\\ud800"', 'null'),
        ),
      );
      await fc.assert(
        fc.asyncProperty(bodyArb, async ([path, body]) => {
          expectAnswered(await send(path, body));
        }),
        settings,
      );
    },
    timeout,
  );
});
