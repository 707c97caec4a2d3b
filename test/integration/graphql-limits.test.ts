import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createKeyResolver } from '../../server/auth/api-keys.ts';
import { revokeApiKey } from '../../server/db/queries/api-keys.ts';
import { DEFAULT_GRAPHQL_LIMITS } from '../../server/graphql/limits.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

// The one place with a timing bound (issue #11): a refusal costs the server milliseconds,
// whatever the request asked for. Measured from the first byte sent to the answer's status line.
const ANSWER_MS = 100;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.capture('5150', '1', [{ type: 'navigate', time: Date.now(), url: 'https://shop.example/' }]);
  // the first request of a process pays for lazy initialisation, not for its query
  await send(JSON.stringify({ query: '{ me { role } }' }), t.org.keys.analyst);
});
afterAll(() => t.close());

interface Answer {
  status: number;
  ms: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

/**
 * POSTs `body` to /graphql over a real socket (chunked: without a Content-Length); the body is
 * sent whole even when the answer comes first.
 */
function send(text: string | Buffer, key?: string, { chunked = false } = {}): Promise<Answer> {
  const url = new URL(t.url);
  const body = typeof text === 'string' ? Buffer.from(text) : text;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let ms = 0;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(chunked ? {} : { 'content-length': body.length }),
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
      },
      (res) => {
        ms = performance.now() - started;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, ms, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.on('error', reject);
    if (chunked) req.write(body);
    req.end(chunked ? undefined : body);
  });
}

const aliases = (n: number, selection: string) => `{${Array.from({ length: n }, (_, i) => `a${i}:${selection}`).join(' ')}}`;
const EVENT_FIELDS = 'eventId eventTime processedTime deviceId sessionId viewId eventType eventProperties sourceType sourceProperties';

/**
 * Sends a request five times: each is refused with `status` and `code`, the fastest within
 * ANSWER_MS (test files run in parallel on two cores: one sample may wait for another worker).
 */
async function expectRefused(request: () => Promise<Answer>, status: number, code: string) {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const answer = await request();
    expect(
      answer.body.errors?.map((e) => e.extensions?.code),
      JSON.stringify(answer.body).slice(0, 300),
    ).toEqual([code]);
    expect(answer.status).toBe(status);
    expect(answer.body.data ?? null).toBeNull();
    times.push(answer.ms);
  }
  expect(Math.min(...times), `answered in ${times.map((ms) => ms.toFixed(0)).join(', ')} ms`).toBeLessThan(ANSWER_MS);
}

describe('GraphQL bombs of issue #11', () => {
  it('refuses the 22 MB alias bomb without a key, unread, and stays well', async () => {
    // encoded once: this process also sends it, and its garbage would pause the server
    const bomb = Buffer.from(JSON.stringify({ query: aliases(1_000_000, '__typename') }));
    expect(bomb.length).toBeGreaterThan(8_000_000);
    (globalThis as { gc?: () => void }).gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    await expectRefused(() => send(bomb), 413, 'BODY_TOO_LARGE');
    await expectRefused(() => send(bomb, t.org.keys.analyst), 413, 'BODY_TOO_LARGE');
    (globalThis as { gc?: () => void }).gc?.();
    const heapAfter = process.memoryUsage().heapUsed;
    console.info(`heap used ${(heapBefore / 2 ** 20).toFixed(0)} MB before ten 22 MB bombs, ${(heapAfter / 2 ** 20).toFixed(0)} MB after`);
    // the server and this test share the process: the bombs' own strings are most of any growth
    expect(heapAfter - heapBefore).toBeLessThan(200 * 2 ** 20);

    const started = performance.now();
    await t.capture('5150', '2', [{ type: 'load', time: Date.now() }]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a body over the limit, and a query without a key, before reading or parsing it', async () => {
    expect(DEFAULT_GRAPHQL_LIMITS.bodyBytes).toBe(64 * 1024);
    const justOver = JSON.stringify({ query: `{ me { role } }${' '.repeat(64 * 1024)}` });
    await expectRefused(() => send(justOver, t.org.keys.admin), 413, 'BODY_TOO_LARGE');
    await expectRefused(() => send(JSON.stringify({ query: '{ me { role } }' })), 401, 'UNAUTHENTICATED');
    await expectRefused(() => send(JSON.stringify({ query: '{ me { role } }' }), 'tk_not_a_key'), 401, 'INVALID_API_KEY');
    await expectRefused(() => send(JSON.stringify({ query: '{ me { role } }' }), t.org.keys.capture), 403, 'FORBIDDEN');
    // a body that does not declare its length could not be refused before it is read
    await expectRefused(
      () => send(JSON.stringify({ query: '{ me { role } }' }), t.org.keys.admin, { chunked: true }),
      411,
      'LENGTH_REQUIRED',
    );
  });

  it('refuses 10,000 aliases of destinations { runs }, however they are written', async () => {
    const literal = aliases(10_000, 'destinations{nodes{runs{nodes{id status}}}}');
    await expectRefused(() => send(JSON.stringify({ query: literal }), t.org.keys.analyst), 413, 'BODY_TOO_LARGE');
    // as many as fit the body, through a fragment: parsing stops at the token limit
    const compact = `${aliases(2_500, 'destinations{...R}')} fragment R on DestinationConnection{nodes{runs{nodes{id}}}}`;
    expect(compact.length).toBeLessThan(DEFAULT_GRAPHQL_LIMITS.bodyBytes - 100);
    await expectRefused(() => send(JSON.stringify({ query: compact }), t.org.keys.analyst), 400, 'TOO_MANY_TOKENS');
    await expectRefused(
      () => send(JSON.stringify({ query: aliases(21, 'destinations{nodes{runs{nodes{id}}}}') }), t.org.keys.analyst),
      400,
      'TOO_MANY_ALIASES',
    );
    await expectRefused(
      () => send(JSON.stringify({ query: aliases(20, 'destinations{nodes{runs(first:200){nodes{id status rows}}}}') }), t.org.keys.analyst),
      400,
      'QUERY_TOO_COSTLY',
    );
  });

  it('refuses 2,000 aliases of events(first: 500), and costs a page by its rows', async () => {
    await expectRefused(
      () => send(JSON.stringify({ query: aliases(2_000, `events(first:500){nodes{${EVENT_FIELDS}}}`) }), t.org.keys.analyst),
      413,
      'BODY_TOO_LARGE',
    );
    const compact = `${aliases(2_000, 'events(first:500){...E}')} fragment E on EventConnection{nodes{eventId}}`;
    await expectRefused(() => send(JSON.stringify({ query: compact }), t.org.keys.analyst), 400, 'TOO_MANY_TOKENS');
    await expectRefused(
      () =>
        send(
          JSON.stringify({ query: aliases(2, `events(first:500){nodes{${EVENT_FIELDS}} pageInfo{endCursor hasNextPage}}`) }),
          t.org.keys.analyst,
        ),
      400,
      'QUERY_TOO_COSTLY',
    );
    // the cost follows `first` given in a variable too (the validation is not cached per query text)
    const byVariable = `query($n: Int) { ${aliases(3, 'events(first: $n) { nodes { eventId eventProperties sourceProperties } }').slice(1, -1)} }`;
    const small = await send(JSON.stringify({ query: byVariable, variables: { n: 5 } }), t.org.keys.analyst);
    expect(small.body.errors).toBeUndefined();
    await expectRefused(
      () => send(JSON.stringify({ query: byVariable, variables: { n: 500 } }), t.org.keys.analyst),
      400,
      'QUERY_TOO_COSTLY',
    );
    // one whole page with every field is what a console needs: it fits
    const page = await send(
      JSON.stringify({ query: `{ events(first: 500) { nodes { ${EVENT_FIELDS} } pageInfo { endCursor hasNextPage } } }` }),
      t.org.keys.analyst,
    );
    expect(page.body.errors).toBeUndefined();
    expect(page.status).toBe(200);
  });

  it('refuses 20,000 nested selections with a 4xx, with or without a key', async () => {
    const nested = JSON.stringify({ query: `{${'a{'.repeat(20_000)}b${'}'.repeat(20_001)}` });
    expect(nested.length).toBeLessThan(DEFAULT_GRAPHQL_LIMITS.bodyBytes);
    await expectRefused(() => send(nested), 401, 'UNAUTHENTICATED');
    await expectRefused(() => send(nested, t.org.keys.analyst), 400, 'TOO_MANY_TOKENS');
  });

  it('refuses queries over the depth and directive limits', async () => {
    // the schema has no selection that deep: the limit is checked before the fields are
    const levels = DEFAULT_GRAPHQL_LIMITS.depth + 1;
    const deep = `{${'a{'.repeat(levels)}b${'}'.repeat(levels)}}`;
    await expectRefused(() => send(JSON.stringify({ query: deep }), t.org.keys.analyst), 400, 'QUERY_TOO_DEEP');
    const directives = `{ me { role${' @include(if: true)'.repeat(DEFAULT_GRAPHQL_LIMITS.directives + 1)} } }`;
    await expectRefused(() => send(JSON.stringify({ query: directives }), t.org.keys.analyst), 400, 'TOO_MANY_DIRECTIVES');
  });

  it('replaces a response over the size limit with an error', async () => {
    const small = await startTestApp({ db: t.db, appDeps: { graphqlLimits: { responseBytes: 4_000 } } });
    try {
      await small.capture(
        '6160',
        '1',
        Array.from({ length: 20 }, (_, i) => ({
          type: 'custom',
          time: Date.now() + i,
          properties: { event_name: 'big', text: 'x'.repeat(400) },
        })),
      );
      const fits = await small.gql(`{ events(first: 2) { nodes { eventId } } }`);
      expect(fits.body.errors).toBeUndefined();
      const big = await small.gql(`{ events(first: 20) { nodes { eventProperties } } }`);
      expect(big.status).toBe(400);
      expect(big.body.errors?.map((e) => e.extensions?.code)).toEqual(['RESPONSE_TOO_LARGE']);
      expect(big.body.data).toBeUndefined();
    } finally {
      await small.close();
    }
  });

  it('limits the requests of each key (token bucket, burst of twice the rate): 429 RATE_LIMITED with Retry-After, other keys unaffected', async () => {
    const limited = await startTestApp({ env: { TRIBUTARY_GRAPHQL_RATE_LIMIT: '2' }, db: t.db });
    try {
      const ask = (key: string) =>
        fetch(`${limited.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ query: '{ me { role } }' }),
        });
      const answers = await Promise.all(Array.from({ length: 8 }, () => ask(limited.org.keys.analyst)));
      const statuses = answers.map((a) => a.status);
      // the bucket holds 4, and a token comes back every 500 ms (the answers take less, unless the
      // machine is very busy)
      expect(statuses.filter((s) => s === 200).length, statuses.join(',')).toBeGreaterThanOrEqual(4);
      expect(statuses.filter((s) => s === 429).length, statuses.join(',')).toBeGreaterThanOrEqual(1);
      expect(
        statuses.every((s) => s === 200 || s === 429),
        statuses.join(','),
      ).toBe(true);
      const refused = answers.find((a) => a.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toEqual({
        errors: [{ message: 'too many requests for this key; retry later', extensions: { code: 'RATE_LIMITED' } }],
      });
      // another key of the same organization has its own bucket
      expect((await ask(limited.org.keys.admin)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('a flood of made-up keys does not empty the cache of real keys (each has a cache of its own)', async () => {
    const resolver = createKeyResolver(t.db, 60_000);
    const { key, record } = await createApiKey(t.db, { orgId: t.org.orgId, name: 'cached', role: 'analyst', createdBy: 'test' });
    expect((await resolver.resolve(key))?.keyId).toBe(record.id);
    // revoked behind the resolver's back (as another instance would): the cached entry answers
    await revokeApiKey(t.db, t.org.orgId, record.id);
    expect((await resolver.resolve(key))?.keyId).toBe(record.id);
    for (let i = 0; i < 10_050; i++) expect(await resolver.resolve(`tk_made-up-${i}`)).toBeNull();
    // still the cached entry: before, the 10,001st unknown key cleared the whole cache, and this
    // read the revocation from the store
    expect((await resolver.resolve(key))?.keyId).toBe(record.id);
    expect(await createKeyResolver(t.db, 60_000).resolve(key)).toBeNull();
  });
});
