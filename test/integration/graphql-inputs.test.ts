import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TRIBUTARY_CORS_ORIGINS: 'https://console.example' } });
});
afterAll(() => t.close());

const cursor = (text: string) => Buffer.from(text).toString('base64url');
const codes = (r: { body: { errors?: { extensions?: { code?: string } }[] } }) => (r.body.errors ?? []).map((e) => e.extensions?.code);

describe('GraphQL bad input gets a code, never a database error', () => {
  it('refuses forged event cursors, out-of-range int64 filters and times', async () => {
    const events = `query($after: String, $filter: EventFilter) { events(after: $after, filter: $filter) { nodes { eventId } } }`;
    for (const after of [
      'garbage!',
      cursor('18446744073709551616|01M8NKD06G9S3K2TMHP6RPN7MX'),
      cursor('1|not-an-event-id'),
      cursor("1|01M8NKD06G9S3K2TMHP6RPN7M'"),
      cursor('1|01M8NKD06G9S3K2TMHP6RPN7MX|x'),
      'x'.repeat(5000),
    ]) {
      expect(codes(await t.gql(events, { after })), after.slice(0, 40)).toEqual(['INVALID_CURSOR']);
    }
    for (const filter of [{ deviceId: '9999999999999999999' }, { sessionId: '-1' }, { deviceId: '' }, { from: '0000-01-01T00:00:00Z' }]) {
      expect(codes(await t.gql(events, { filter })), JSON.stringify(filter)).toEqual(['INVALID_ARGUMENT']);
    }
    const ok = await t.gql(events, {
      after: cursor('18446744073709551615|01M8NKD06G9S3K2TMHP6RPN7MX'),
      filter: { deviceId: '9223372036854775807' },
    });
    expect(ok.body.errors).toBeUndefined();
  });

  it('refuses forged sync run cursors', async () => {
    const created = await t.gql(
      `mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } } }`,
      {
        i: { name: 'inputs', pluginId: 'duckdb', config: { path: `inputs-${process.pid}.duckdb` } },
      },
    );
    const id = created.body.data.createDestination.data.id;
    const runs = `query($id: ID!, $after: String) { destination(id: $id) { runs(after: $after) { nodes { id } } } }`;
    for (const time of [
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
      'Tue, 01 Jan 2030 00:00:00 GMT',
    ]) {
      expect(codes(await t.gql(runs, { id, after: cursor(`${time}|${id}`) })), time).toEqual(['INVALID_CURSOR']);
    }
    // a check step's duration is an Int even when the plugin times it to fractions of a millisecond
    const test = await t.gql(
      `mutation($id: ID!) { testDestinationConnection(id: $id) { ... on ConnectionTested { data { step ok durationMs } } } }`,
      { id },
    );
    expect(test.body.errors).toBeUndefined();
    for (const step of test.body.data.testDestinationConnection.data) expect(Number.isInteger(step.durationMs)).toBe(true);
  });

  it('refuses U+0000 and deeply nested variables in every operation', async () => {
    const error = vi.spyOn(console, 'error');
    for (const [query, variables] of [
      [`query($f: EventFilter) { events(filter: $f) { nodes { eventId } } }`, { f: { eventType: 'a\u0000b' } }],
      [`query($id: ID!) { pageDefinition(id: $id) { id } }`, { id: 'pd_\u0000' }],
      [`mutation($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) { __typename } }`, { ids: ['\u0000'] }],
      [`mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename } }`, { i: { name: 'x\u0000', role: 'analyst' } }],
      [
        `mutation($i: DestinationInput!) { createDestination(input: $i) { __typename } }`,
        { i: { name: 'x', pluginId: 'duckdb', config: { 'p\u0000': 1 } } },
      ],
      [
        `mutation($i: DestinationInput!) { createDestination(input: $i) { __typename } }`,
        { i: { name: 'x', pluginId: 'duckdb', config: JSON.parse('['.repeat(40) + ']'.repeat(40)) } },
      ],
      [`{ pageDefinition(id: "pd_\\u0000") { id } }`, {}],
    ] as const) {
      const r = await t.gql(query, variables as Record<string, unknown>);
      expect([r.status, codes(r)], query).toEqual([400, ['INVALID_ARGUMENT']]);
    }
    expect(error).not.toHaveBeenCalled();
    error.mockRestore();
  });

  it('answers CORS only for the configured origins, without credentials', async () => {
    const ask = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${t.org.keys.analyst}` },
        body: '{"query":"{ me { role } }"}',
      });
    const allowed = await ask('https://console.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const other = await ask('https://evil.example');
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(other.headers.get('access-control-allow-credentials')).toBeNull();
    const preflight = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'https://console.example', 'access-control-request-method': 'POST' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, 'https://console.example']);

    const plain = await startTestApp({ db: t.db });
    try {
      const r = await fetch(`${plain.url}/graphql`, {
        method: 'POST',
        headers: {
          origin: 'https://console.example',
          'content-type': 'application/json',
          authorization: `Bearer ${plain.org.keys.analyst}`,
        },
        body: '{"query":"{ me { role } }"}',
      });
      expect(r.status).toBe(200);
      expect([...r.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
