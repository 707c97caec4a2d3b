import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';

let t: TestApp;
let other: TestOrg;
beforeAll(async () => {
  t = await startTestApp();
  other = await createTestOrg(t.db, 'other org');
});
afterAll(() => t.close());

const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  __typename
  ... on ApiKeyCreated { data { key apiKey { id role prefix } } }
  ... on ValidationError { code message field } } }`;

describe('GraphQL access by role', () => {
  it('answers me and organization for every non-capture role', async () => {
    for (const role of ['admin', 'architect', 'analyst'] as const) {
      const r = await t.gql(`{ me { role organization { id } } organization { id name } }`, {}, t.org.keys[role]);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.me.role).toBe(role);
      expect(r.body.data.organization.id).toBe(t.org.orgId);
    }
  });

  it('refuses a capture key with 403 and a code', async () => {
    const r = await t.gql(`{ me { role } }`, {}, t.org.keys.capture);
    expect(r.status).toBe(403);
    expect(r.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('refuses missing and unknown keys with 401', async () => {
    const missing = await t.app.yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ me { role } }"}',
    });
    expect(missing.status).toBe(401);
    const unknown = await t.gql(`{ me { role } }`, {}, 'tk_unknown');
    expect(unknown.status).toBe(401);
    expect(unknown.body.errors![0]!.extensions!.code).toBe('INVALID_API_KEY');
  });

  it('lets only admins manage keys', async () => {
    for (const role of ['architect', 'analyst'] as const) {
      const list = await t.gql(`{ apiKeys { nodes { id } } }`, {}, t.org.keys[role]);
      expect(list.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
      const create = await t.gql(CREATE, { input: { name: 'x', role: 'analyst' } }, t.org.keys[role]);
      expect(create.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    const created = await t.gql(CREATE, { input: { name: 'new analyst', role: 'analyst' } });
    const { key, apiKey } = created.body.data.createApiKey.data;
    expect(key).toMatch(/^tk_/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const me = await t.gql(`{ me { role } }`, {}, key);
    expect(me.body.data.me.role).toBe('analyst');
  });

  it('never returns a key or its hash when listing', async () => {
    const r = await t.gql(`{ apiKeys { nodes { id name role prefix createdBy } } }`);
    expect(r.body.data.apiKeys.nodes.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(r.body)).not.toMatch(/tk_[A-Za-z0-9_-]{20,}/);
  });

  it('returns typed errors for bad key input', async () => {
    const r = await t.gql(CREATE, { input: { name: ' ', role: 'capture' } });
    expect(r.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', code: 'INVALID_NAME', field: 'name' });
    const origin = await t.gql(CREATE, { input: { name: 'o', role: 'capture', allowedOrigins: ['https://a.example/path'] } });
    expect(origin.body.data.createApiKey).toMatchObject({ code: 'INVALID_ORIGIN' });
  });

  it('isolates organizations: keys, events and revocation', async () => {
    const theirs = await t.gql(`{ apiKeys { nodes { id name } } }`, {}, other.keys.admin);
    const mine = await t.gql(`{ apiKeys { nodes { id } } }`);
    const myIds = new Set(mine.body.data.apiKeys.nodes.map((k: { id: string }) => k.id));
    expect(theirs.body.data.apiKeys.nodes.some((k: { id: string }) => myIds.has(k.id))).toBe(false);
    // an admin of another org cannot revoke my key
    const target = mine.body.data.apiKeys.nodes[0].id;
    const revoke = await t.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { __typename ... on NotFoundError { code } } }`,
      { id: target },
      other.keys.admin,
    );
    expect(revoke.body.data.revokeApiKey).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    // ids that are not uuids are "not found", never a database error
    for (const id of ['-'.repeat(36), 'nope']) {
      const r = await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id });
      expect(r.body.data.revokeApiKey).toEqual({ __typename: 'NotFoundError' });
    }
    // events captured with my key are invisible to the other org
    await t.post('/capture/v1/batch', { device_id: '31337', events: [{ id: 'iso', time: Date.now(), type: 'load' }] });
    const seen = await t.gql(`{ events(filter: { deviceId: "31337" }) { nodes { eventId } } }`, {}, other.keys.analyst);
    expect(seen.body.data.events.nodes).toEqual([]);
    const own = await t.gql(`{ events(filter: { deviceId: "31337" }) { nodes { eventId } } }`, {}, t.org.keys.analyst);
    expect(own.body.data.events.nodes).toHaveLength(1);
  });

  it('paginates events with a cursor and filters by type', async () => {
    const events = Array.from({ length: 7 }, (_, i) => ({
      id: `p${i}`,
      seq: i,
      view_id: '4242',
      time: Date.parse('2026-11-20T00:00:00Z') + i * 1000,
      type: i === 0 ? 'navigate' : 'load',
      url: 'https://x.example/',
    }));
    await t.post('/capture/v1/batch', { device_id: '4242', events });
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r: any = await t.gql(
        `query($after: String) { events(first: 3, after: $after, filter: { deviceId: "4242" }) { nodes { eventId eventTime } pageInfo { endCursor hasNextPage } } }`,
        { after },
      );
      ids.push(...r.body.data.events.nodes.map((n: { eventId: string }) => n.eventId));
      after = r.body.data.events.pageInfo.endCursor;
      if (!r.body.data.events.pageInfo.hasNextPage) break;
    }
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    const navs = await t.gql(`{ events(filter: { deviceId: "4242", eventType: "navigate" }) { nodes { eventType } } }`);
    expect(navs.body.data.events.nodes).toEqual([{ eventType: 'navigate' }]);
    const bad = await t.gql(`{ events(first: 0) { nodes { eventId } } }`);
    expect(bad.body.errors![0]!.extensions!.code).toBe('INVALID_ARGUMENT');
    for (const after of ['garbage', Buffer.from('1|x|y').toString('base64url'), Buffer.from("x'|y").toString('base64url')]) {
      const r = await t.gql(`query($after: String) { events(after: $after) { nodes { eventId } } }`, { after });
      expect(r.body.errors![0]!.extensions!.code).toBe('INVALID_CURSOR');
    }
  });
});
