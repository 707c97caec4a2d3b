import { isListType, isNonNullType, isObjectType, isUnionType, type GraphQLOutputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { schema } from '../../schema/index.ts';
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

const codes = (r: { body: { errors?: { extensions?: { code?: string } }[] } }) => (r.body.errors ?? []).map((e) => e.extensions?.code);
const named = (type: GraphQLOutputType): GraphQLOutputType => (isNonNullType(type) || isListType(type) ? named(type.ofType) : type);

// lists that are a record's attributes, not stored collections: they stay plain lists (README "GraphQL", "Lists and paging")
const PLAIN_LISTS = new Set([
  'Query.destinationPlugins',
  'Destination.activePeriods',
  'Destination.periods',
  'Destination.missed',
  'DeletionRequest.destinations',
  'ReorderedPageDefinitions.pageDefinitions',
  'ConnectionTested.data',
  'RuleMatches.events',
]);

describe('one connection shape and one paging policy for every list', () => {
  it('makes every list of records a Relay connection, and names every mutation payload on purpose', () => {
    const lists: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__') || type.name.endsWith('Connection')) continue;
      for (const field of Object.values(type.getFields())) {
        const inner = isNonNullType(field.type) ? field.type.ofType : field.type;
        if (isListType(inner) && isObjectType(named(inner))) lists.push(`${type.name}.${field.name}`);
      }
    }
    expect(lists.filter((list) => !PLAIN_LISTS.has(list))).toEqual([]);
    for (const field of Object.values(schema.getMutationType()!.getFields())) {
      const union = named(field.type);
      expect(isUnionType(union) && union.name, field.name).toBe(`${field.name[0]!.toUpperCase()}${field.name.slice(1)}Result`);
      if (isUnionType(union)) for (const member of union.getTypes()) expect(member.name, field.name).not.toMatch(/^Mutation|Success$/);
    }
  });

  it('pages a list by position with opaque cursors, edges and nodes alike', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: any = await t.gql(
        `query($after: String) { apiKeys(first: 2, after: $after) { edges { cursor node { id } } nodes { id } pageInfo { endCursor hasNextPage hasPreviousPage } } }`,
        {
          after,
        },
      );
      const { edges, nodes, pageInfo } = r.body.data.apiKeys;
      expect(nodes).toEqual(edges.map((e: { node: unknown }) => e.node));
      expect(pageInfo.hasPreviousPage).toBe(after !== null);
      ids.push(...nodes.map((n: { id: string }) => n.id));
      after = pageInfo.endCursor;
      if (!pageInfo.hasNextPage) break;
    }
    const all: any = await t.gql(`{ apiKeys { nodes { id } } }`);
    expect(ids).toEqual(all.body.data.apiKeys.nodes.map((n: { id: string }) => n.id));
    expect(ids.length).toBeGreaterThanOrEqual(4);
  });

  it('pages runs without skipping the runs queued in the same millisecond as a cursor, microseconds apart', async () => {
    const created: any = await t.gql(
      `mutation($input: DestinationInput!) { createDestination(input: $input) { ... on DestinationCreated { data { id } } } }`,
      { input: { name: 'runs paging', pluginId: 'duckdb', enabled: false, config: { path: 'runs-paging.duckdb' } } },
    );
    const destinationId = created.body.data.createDestination.data.id as string;
    const queued = ['10:00:00.123900', '10:00:00.123500', '10:00:00.123100', '10:00:00.122000', '09:59:59.999999'];
    for (const time of queued) {
      await t.db.rows(sql`insert into sync_runs (destination_id, org_id, status, trigger, queued_time)
        values (${destinationId}, ${t.org.orgId}, 'succeeded', 'manual', ${`2026-11-30T${time}Z`}::timestamptz)`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: any = await t.gql(
        `query($id: ID!, $after: String) { destination(id: $id) { runs(first: 1, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }`,
        { id: destinationId, after },
      );
      const runs = r.body.data.destination.runs;
      seen.push(...runs.nodes.map((n: { id: string }) => n.id));
      after = runs.pageInfo.endCursor;
      if (!runs.pageInfo.hasNextPage) break;
    }
    expect(seen).toHaveLength(queued.length);
    expect(new Set(seen).size).toBe(queued.length);
  });

  it('refuses what the policy does not allow, with a code, on every kind of list', async () => {
    for (const list of ['apiKeys', 'destinations', 'pageDefinitions', 'events', 'deletionRequests']) {
      expect(codes(await t.gql(`{ ${list}(first: 501) { nodes { __typename } } }`)), list).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await t.gql(`{ ${list}(first: 0) { nodes { __typename } } }`)), list).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await t.gql(`{ ${list}(last: 2) { nodes { __typename } } }`)), list).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await t.gql(`{ ${list}(before: "MA") { nodes { __typename } } }`)), list).toEqual(['INVALID_ARGUMENT']);
      expect(codes(await t.gql(`{ ${list}(after: "bm90LWEtY3Vyc29y") { nodes { __typename } } }`)), list).toEqual(['INVALID_CURSOR']);
    }
    // a position cursor is bounded like first: it says how many rows the request reads
    const deep = Buffer.from('99999').toString('base64url');
    expect(codes(await t.gql(`{ deletionRequests(after: "${deep}") { nodes { id } } }`))).toEqual(['INVALID_CURSOR']);
    const last = Buffer.from('9999').toString('base64url');
    expect(await t.gql(`{ deletionRequests(after: "${last}") { nodes { id } pageInfo { hasNextPage } } }`)).toMatchObject({
      body: { data: { deletionRequests: { nodes: [], pageInfo: { hasNextPage: false } } } },
    });
  });

  it('answers NOT_FOUND, without a query, for an id that is not a uuid', async () => {
    const r = await t.gql(
      `mutation { revokeApiKey(id: "1; drop table api_keys") { __typename ... on NotFoundError { code } } syncDestinationNow(id: "x") { ... on NotFoundError { code } } }`,
    );
    expect(r.body.data).toEqual({
      revokeApiKey: { __typename: 'NotFoundError', code: 'NOT_FOUND' },
      syncDestinationNow: { code: 'NOT_FOUND' },
    });
    const read = await t.gql(
      `{ destination(id: "x") { id } syncRun(id: "x") { id } backfill(id: "x") { id } deletionRequest(id: "x") { id } }`,
    );
    expect(read.body).toEqual({ data: { destination: null, syncRun: null, backfill: null, deletionRequest: null } });
  });
});
