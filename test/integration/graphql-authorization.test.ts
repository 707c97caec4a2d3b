import { GraphQLObjectType, isNonNullType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../schema/index.ts';
import { createApiKey } from '../../server/auth/api-keys.ts';
import { createTestOrg, startTestApp, type TestApp, type TestOrg } from '../support/app.ts';

/**
 * The authorization matrix, generated from the executable schema: every Query and Mutation field
 * × no key, a revoked key, each role, and another organization's admin key. A new operation
 * fails this test until it has its row here (the least role allowed, and arguments to call it).
 *   reader: admin, architect, analyst   writer: admin, architect   admin: admin   (capture: none)
 */
type Need = 'reader' | 'writer' | 'admin';
interface Row {
  need: Need;
  /** Variables of the call (ids of organization A's objects, made in beforeAll). */
  args: (ids: Ids) => Record<string, unknown>;
  /** What organization B's admin gets: nothing of A's (NOT_FOUND, null, or only its own objects). */
  otherOrg: 'NOT_FOUND' | 'null' | 'own';
}

interface Ids {
  destination: string;
  doomedDestination: string;
  run: string;
  backfill: string;
  page: string;
  element: string;
  event: string;
  key: string;
  deletion: string;
  alertWebhook: string;
}

const none = () => ({});
const OPERATIONS: Record<string, Row> = {
  // queries
  me: { need: 'reader', args: none, otherOrg: 'own' },
  organization: { need: 'reader', args: none, otherOrg: 'own' },
  apiKeys: { need: 'admin', args: none, otherOrg: 'own' },
  events: { need: 'reader', args: none, otherOrg: 'own' },
  destinationPlugins: { need: 'reader', args: none, otherOrg: 'own' },
  destinations: { need: 'reader', args: none, otherOrg: 'own' },
  destination: { need: 'reader', args: (ids) => ({ id: ids.destination }), otherOrg: 'null' },
  syncRun: { need: 'reader', args: (ids) => ({ id: ids.run }), otherOrg: 'null' },
  backfill: { need: 'reader', args: (ids) => ({ id: ids.backfill }), otherOrg: 'null' },
  pageDefinitions: { need: 'reader', args: none, otherOrg: 'own' },
  elementDefinitions: { need: 'reader', args: none, otherOrg: 'own' },
  eventDefinitions: { need: 'reader', args: none, otherOrg: 'own' },
  pageDefinition: { need: 'reader', args: (ids) => ({ id: ids.page }), otherOrg: 'null' },
  elementDefinition: { need: 'reader', args: (ids) => ({ id: ids.element }), otherOrg: 'null' },
  eventDefinition: { need: 'reader', args: (ids) => ({ id: ids.event }), otherOrg: 'null' },
  pageRuleMatches: { need: 'reader', args: () => ({ rule: { path: '/matrix/*' } }), otherOrg: 'own' },
  elementRuleMatches: { need: 'reader', args: () => ({ rule: { selector: 'button' } }), otherOrg: 'own' },
  eventRuleMatches: { need: 'reader', args: () => ({ rule: { eventType: 'click' } }), otherOrg: 'own' },
  deletionRequests: { need: 'admin', args: none, otherOrg: 'own' },
  deletionRequest: { need: 'admin', args: (ids) => ({ id: ids.deletion }), otherOrg: 'null' },
  alertWebhooks: { need: 'admin', args: none, otherOrg: 'own' },
  // mutations
  createApiKey: { need: 'admin', args: () => ({ input: { name: 'matrix', role: 'analyst' } }), otherOrg: 'own' },
  revokeApiKey: { need: 'admin', args: (ids) => ({ id: ids.key }), otherOrg: 'NOT_FOUND' },
  createDestination: {
    need: 'writer',
    args: () => ({ input: { name: 'matrix', pluginId: 'duckdb', config: { path: `matrix-${process.pid}.duckdb` } } }),
    otherOrg: 'own',
  },
  updateDestination: { need: 'writer', args: (ids) => ({ id: ids.destination, input: { name: 'renamed' } }), otherOrg: 'NOT_FOUND' },
  enableDestination: { need: 'writer', args: (ids) => ({ id: ids.destination }), otherOrg: 'NOT_FOUND' },
  disableDestination: { need: 'writer', args: (ids) => ({ id: ids.destination }), otherOrg: 'NOT_FOUND' },
  deleteDestination: { need: 'writer', args: (ids) => ({ id: ids.doomedDestination }), otherOrg: 'NOT_FOUND' },
  testDestinationConnection: { need: 'writer', args: (ids) => ({ id: ids.destination }), otherOrg: 'NOT_FOUND' },
  syncDestinationNow: { need: 'writer', args: (ids) => ({ id: ids.destination }), otherOrg: 'NOT_FOUND' },
  backfillDestination: { need: 'writer', args: (ids) => ({ id: ids.destination, from: '2026-01-01T00:00:00Z' }), otherOrg: 'NOT_FOUND' },
  cancelBackfill: { need: 'writer', args: (ids) => ({ id: ids.backfill }), otherOrg: 'NOT_FOUND' },
  createPageDefinition: { need: 'writer', args: () => ({ input: { name: 'matrix page', rule: { path: '/matrix/*' } } }), otherOrg: 'own' },
  createElementDefinition: {
    need: 'writer',
    args: () => ({ input: { name: 'matrix element', rule: { selector: 'button.matrix' } } }),
    otherOrg: 'own',
  },
  createEventDefinition: {
    need: 'writer',
    args: () => ({ input: { name: 'matrix event', rule: { eventType: 'click' } } }),
    otherOrg: 'own',
  },
  updatePageDefinition: { need: 'writer', args: (ids) => ({ id: ids.page, input: { name: 'renamed' } }), otherOrg: 'NOT_FOUND' },
  updateElementDefinition: { need: 'writer', args: (ids) => ({ id: ids.element, input: { name: 'renamed' } }), otherOrg: 'NOT_FOUND' },
  updateEventDefinition: { need: 'writer', args: (ids) => ({ id: ids.event, input: { name: 'renamed' } }), otherOrg: 'NOT_FOUND' },
  archivePageDefinition: { need: 'writer', args: (ids) => ({ id: ids.page }), otherOrg: 'NOT_FOUND' },
  archiveElementDefinition: { need: 'writer', args: (ids) => ({ id: ids.element }), otherOrg: 'NOT_FOUND' },
  archiveEventDefinition: { need: 'writer', args: (ids) => ({ id: ids.event }), otherOrg: 'NOT_FOUND' },
  reorderPageDefinitions: { need: 'writer', args: (ids) => ({ ids: [ids.page] }), otherOrg: 'NOT_FOUND' },
  requestDeletion: { need: 'admin', args: () => ({ input: { deviceId: '424242' } }), otherOrg: 'own' },
  createAlertWebhook: {
    need: 'admin',
    args: () => ({ input: { url: 'http://127.0.0.1:9/matrix', secret: 'matrix-secret-0123456789' } }),
    otherOrg: 'own',
  },
  deleteAlertWebhook: { need: 'admin', args: (ids) => ({ id: ids.alertWebhook }), otherOrg: 'NOT_FOUND' },
};

const ROLES = ['analyst', 'architect', 'admin'] as const;
const ALLOWED: Record<Need, readonly string[]> = { reader: ROLES, writer: ['architect', 'admin'], admin: ['admin'] };

const operations = (['query', 'mutation'] as const).flatMap((kind) => {
  const root = (kind === 'query' ? schema.getQueryType() : schema.getMutationType()) as GraphQLObjectType;
  return Object.values(root.getFields()).map((field) => ({ kind, field }));
});

/** The document calling one operation with variables for the arguments its row gives. */
function documentOf(kind: 'query' | 'mutation', field: (typeof operations)[number]['field'], variables: Record<string, unknown>): string {
  const args = field.args.filter((arg) => arg.name in variables);
  const definitions = args.length ? `(${args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const call = args.length ? `(${args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = kind === 'mutation' ? '{ __typename ... on AppError { code } }' : '{ __typename }';
  return `${kind}${definitions} { ${field.name}${call} ${selection} }`;
}

let t: TestApp;
let other: TestOrg;
let ids: Ids;
let revokedKey: string;

const gql = (kind: 'query' | 'mutation', name: string, key: string) => {
  const { field } = operations.find((o) => o.kind === kind && o.field.name === name)!;
  const variables = OPERATIONS[name]!.args(ids);
  return t.gql(documentOf(kind, field, variables), variables, key);
};

async function created<T>(promise: Promise<{ body: { data?: any } }>, pick: (data: any) => T): Promise<T> {
  const { body } = await promise;
  const value = pick(body.data);
  if (!value) throw new Error(`setup failed: ${JSON.stringify(body)}`);
  return value;
}

beforeAll(async () => {
  t = await startTestApp();
  other = await createTestOrg(t.db, 'other org');
  const destination = (name: string) =>
    created(
      t.gql(`mutation($i: DestinationInput!) { createDestination(input: $i) { ... on DestinationCreated { data { id } } } }`, {
        i: { name, pluginId: 'duckdb', config: { path: `matrix-${name}-${process.pid}.duckdb` } },
      }),
      (d) => d.createDestination.data?.id as string,
    );
  const definition = (kind: string, rule: unknown) =>
    created(
      t.gql(
        `mutation($i: Create${kind}DefinitionInput!) { create${kind}Definition(input: $i) { ... on ${kind}DefinitionCreated { data { id } } } }`,
        {
          i: { name: `a ${kind}`, rule },
        },
      ),
      (d) => d[`create${kind}Definition`].data?.id as string,
    );
  const dest = await destination('a');
  ids = {
    destination: dest,
    doomedDestination: await destination('doomed'),
    run: await created(
      t.gql(`mutation($id: ID!) { syncDestinationNow(id: $id) { ... on SyncQueued { data { id } } } }`, { id: dest }),
      (d) => d.syncDestinationNow.data?.id as string,
    ),
    backfill: await created(
      t.gql(
        `mutation($id: ID!) { backfillDestination(id: $id, from: "2026-01-01T00:00:00Z") { ... on BackfillStarted { data { id } } } }`,
        { id: dest },
      ),
      (d) => d.backfillDestination.data?.id as string,
    ),
    page: await definition('Page', { path: '/a/*' }),
    element: await definition('Element', { selector: 'a.buy' }),
    event: await definition('Event', { eventType: 'click', properties: [{ path: 'target.text', op: 'EXISTS' }] }),
    key: (await createApiKey(t.db, { orgId: t.org.orgId, name: 'to revoke', role: 'analyst', createdBy: 'test' })).record.id,
    deletion: (await t.app.deletions.request(t.org.orgId, 'test', { deviceId: '434343' })).id,
    alertWebhook: (
      await t.app.alerts.createWebhook(t.org.orgId, 'test', { url: 'http://127.0.0.1:9/a', secret: 'a-secret-of-16-chars-or-more' })
    ).id,
  };
  const revoked = await createApiKey(t.db, { orgId: t.org.orgId, name: 'revoked admin', role: 'admin', createdBy: 'test' });
  await t.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { __typename } }`, { id: revoked.record.id });
  revokedKey = revoked.key;
});
afterAll(() => t.close());

describe('GraphQL authorization matrix (from the schema)', () => {
  it('has a row for every operation of the schema, and none for an operation it lacks', () => {
    const names = operations.map((o) => o.field.name);
    expect(
      names.filter((n) => !(n in OPERATIONS)),
      'operations without a row in OPERATIONS',
    ).toEqual([]);
    expect(
      Object.keys(OPERATIONS).filter((n) => !names.includes(n)),
      'rows of operations the schema lacks',
    ).toEqual([]);
    for (const { field } of operations) {
      const given = Object.keys(OPERATIONS[field.name]!.args(ids));
      const required = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined).map((a) => a.name);
      expect(
        required.filter((name) => !given.includes(name)),
        `${field.name}: required arguments without a value`,
      ).toEqual([]);
    }
  });

  it("never shows or changes organization A's objects to organization B's admin", async () => {
    const aIds = Object.values(ids);
    for (const { kind, field } of operations) {
      const r = await gql(kind, field.name, other.keys.admin);
      const expected = OPERATIONS[field.name]!.otherOrg;
      const text = JSON.stringify(r.body);
      expect(r.status, `${field.name}: ${text}`).toBe(200);
      expect(r.body.errors, `${field.name}: ${text}`).toBeUndefined();
      for (const id of aIds) expect(text, `${field.name} showed an object of organization A`).not.toContain(id);
      const value = (r.body.data as Record<string, any>)[field.name];
      if (expected === 'null') expect(value, field.name).toBeNull();
      if (expected === 'NOT_FOUND') expect(value, field.name).toMatchObject({ code: 'NOT_FOUND' });
    }
    // and nothing of A changed
    const a = await t.gql(
      `query($d: ID!, $p: ID!) { destination(id: $d) { name enabled } pageDefinition(id: $p) { name state } apiKeys { nodes { id revokedTime } } }`,
      { d: ids.destination, p: ids.page },
    );
    expect(a.body.data.destination).toEqual({ name: 'a', enabled: true });
    expect(a.body.data.pageDefinition).toEqual({ name: 'a Page', state: 'active' });
    expect(a.body.data.apiKeys.nodes.find((k: { id: string }) => k.id === ids.key).revokedTime).toBeNull();
    expect(
      (await t.gql(`query($id: ID!) { destination(id: $id) { id } }`, { id: ids.doomedDestination })).body.data.destination,
    ).not.toBeNull();
  });

  it('answers every operation for every key by the documented policy', async () => {
    for (const { kind, field } of operations) {
      const row = OPERATIONS[field.name]!;
      const noKey = await gql(kind, field.name, '');
      expect([noKey.status, noKey.body.errors?.[0]?.extensions?.code], `${field.name} without a key`).toEqual([401, 'UNAUTHENTICATED']);
      const revoked = await gql(kind, field.name, revokedKey);
      expect([revoked.status, revoked.body.errors?.[0]?.extensions?.code], `${field.name} with a revoked key`).toEqual([
        401,
        'INVALID_API_KEY',
      ]);
      const capture = await gql(kind, field.name, t.org.keys.capture);
      expect([capture.status, capture.body.errors?.[0]?.extensions?.code], `${field.name} with a capture key`).toEqual([403, 'FORBIDDEN']);
      for (const role of ROLES) {
        const r = await gql(kind, field.name, t.org.keys[role]);
        const codes = (r.body.errors ?? []).map((e) => e.extensions?.code);
        if (ALLOWED[row.need].includes(role)) {
          expect([r.status, codes], `${field.name} as ${role}: ${JSON.stringify(r.body)}`).toEqual([200, []]);
        } else {
          expect([r.status, codes], `${field.name} as ${role}`).toEqual([403, ['FORBIDDEN']]);
          expect((r.body.data as Record<string, unknown> | null)?.[field.name] ?? null, `${field.name} as ${role}`).toBeNull();
        }
      }
    }
  });
});
