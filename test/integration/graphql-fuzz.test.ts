import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

/**
 * Property: whatever is sent to /graphql (garbled documents, odd variables, headers and bodies),
 * the answer is never a 5xx, and every error in it has a code, none of them "unexpected".
 * A fixed seed and a few hundred runs keep it to seconds; TRIBUTARY_FUZZ_RUNS=20000 runs longer.
 */
const RUNS = Number(process.env.TRIBUTARY_FUZZ_RUNS ?? 300);

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await t.capture('7070', '1', [{ type: 'navigate', time: Date.now(), url: 'https://shop.example/a' }]);
});
afterAll(() => t.close());

// documents a console sends, to be garbled or given odd arguments
const TEMPLATES = [
  '{ me { role organization { id name } } }',
  'query($after: String, $first: Int, $f: EventFilter) { events(first: $first, after: $after, filter: $f) { nodes { eventId eventProperties } pageInfo { endCursor hasNextPage } } }',
  'query($id: ID!) { destination(id: $id) { id name runs(first: 3) { nodes { id status durationMs } pageInfo { endCursor } } } syncRun(id: $id) { id } }',
  'query($id: ID!) { pageDefinition(id: $id) { id rule } elementDefinition(id: $id) { id } eventDefinition(id: $id) { id } }',
  '{ destinations { nodes { id status runs { nodes { id } } } } destinationPlugins { id configSchema } apiKeys { nodes { id prefix } } }',
  '{ pageDefinitions(includeArchived: true) { nodes { id priority } } elementDefinitions { nodes { id } } eventDefinitions { nodes { id } } }',
  'mutation($i: CreatePageDefinitionInput!) { createPageDefinition(input: $i) { __typename ... on AppError { code message } } }',
  'mutation($i: CreateEventDefinitionInput!) { createEventDefinition(input: $i) { __typename ... on AppError { code } } }',
  'mutation($id: ID!, $i: DestinationInput!) { updateDestination(id: $id, input: $i) { __typename ... on AppError { code } } }',
  'mutation($i: DestinationInput!) { createDestination(input: $i) { __typename ... on AppError { code } } }',
  'mutation($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) { __typename ... on AppError { code } } }',
  'mutation($id: ID!) { revokeApiKey(id: $id) { __typename } archivePageDefinition(id: $id) { __typename } deleteDestination(id: $id) { __typename } }',
  'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { __typename ... on AppError { code } } }',
];

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    '9999999999999999999',
    '-1',
    '00000000-0000-0000-0000-000000000000',
    'pd_01M8NKD06G9S3K2TMHP6RPN7MX',
    "' or 1=1 --",
    '%00',
    '\\u0000',
  ),
  fc.string({ maxLength: 40 }).map((s) => Buffer.from(s).toString('base64url')),
  fc
    .tuple(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.string({ maxLength: 30 }))
    .map(([n, s]) => Buffer.from(`${n}|${s}`).toString('base64url')),
);
const oddValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    oddString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const variables = fc.oneof(
  fc.dictionary(fc.constantFrom('id', 'ids', 'after', 'first', 'f', 'i', 'x'), oddValue, { maxKeys: 4 }),
  fc.record(
    {
      id: oddString,
      ids: fc.array(oddString, { maxLength: 3 }),
      after: oddString,
      first: fc.oneof(fc.integer(), fc.double(), oddString),
      f: fc.record(
        { deviceId: oddString, sessionId: oddString, eventType: oddString, from: oddString, to: oddString },
        { requiredKeys: [] },
      ),
      i: fc.record(
        {
          name: oddString,
          role: oddString,
          pluginId: oddString,
          config: oddValue,
          rule: oddValue,
          priority: fc.integer(),
          intervalMinutes: fc.integer(),
          eventTypesInclude: fc.array(oddString, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  ),
  oddValue,
);
/** A template, garbled: characters cut, inserted or repeated. */
const document = fc.oneof(
  fc.constantFrom(...TEMPLATES),
  fc
    .tuple(fc.constantFrom(...TEMPLATES), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 6 })), { maxLength: 4 }))
    .map(([text, edits]) =>
      edits.reduce((s, [at, cut, insert]) => s.slice(0, at % (s.length + 1)) + insert + s.slice((at % (s.length + 1)) + cut), text),
    ),
  fc.string({ maxLength: 200 }),
);

const request = fc.record({
  key: fc.constantFrom('admin', 'analyst', 'capture', 'none', 'garbage'),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/graphql+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
    '',
  ),
  accept: fc.constantFrom(
    undefined,
    '*/*',
    'application/json',
    'application/graphql-response+json',
    'text/html',
    'text/event-stream',
    'multipart/mixed',
    'image/png',
  ),
  method: fc.constantFrom('POST', 'POST', 'POST', 'GET'),
  body: fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(document, variables, fc.option(oddString))
        .map(([query, variables, operationName]) => JSON.stringify({ query, variables, operationName })),
    },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.json(),
        fc.constantFrom('null', '[]', '{"query":1}', '{"query":"{me{role}}","variables":"x"}', '{"query":"{me{role}}","extra":1}'),
      ),
    },
  ),
});

describe('GraphQL fuzz', () => {
  it('never answers 5xx, and every error has a code', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ key, contentType, accept, method, body }) => {
        const keys: Record<string, string | undefined> = { ...t.org.keys, none: undefined, garbage: 'tk_garbage' };
        const headers: Record<string, string> = { ...(contentType ? { 'content-type': contentType } : {}), ...(accept ? { accept } : {}) };
        if (keys[key]) headers.authorization = `Bearer ${keys[key]}`;
        const url = method === 'GET' ? `${t.url}/graphql?query=${encodeURIComponent(body)}` : `${t.url}/graphql`;
        const response = await fetch(url, { method, headers, body: method === 'GET' ? undefined : body });
        const text = await response.text();
        expect(response.status, text).toBeLessThan(500);
        const type = response.headers.get('content-type') ?? '';
        if (type.startsWith('text/html')) {
          // GraphiQL's page for a browser asking GET /graphql for HTML
          expect([method, response.status], text.slice(0, 100)).toEqual(['GET', 200]);
          return;
        }
        // JSON, or one JSON result framed as multipart or server-sent events when the Accept header asks so
        expect(type, text.slice(0, 200)).toMatch(/^(application\/(graphql-response\+)?json|multipart\/mixed|text\/event-stream)/);
        const answer = JSON.parse(type.includes('json') ? text : text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)) as {
          errors?: { extensions?: { code?: string } }[];
        };
        for (const error of answer.errors ?? []) {
          expect(error.extensions?.code, text).toMatch(/^[A-Z][A-Z_]+$/);
          expect(error.extensions?.code, text).not.toBe('INTERNAL_SERVER_ERROR');
        }
      }),
      { seed: 20260411, numRuns: RUNS, endOnFailure: true },
    );
  });
});
