import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { permissionsOf } from '../server/auth/roles.ts';
import type { GraphQLContext } from './context.ts';
import { DEFAULT_PAGE, MAX_PAGE } from './cursors.ts';

/**
 * The one schema builder. Roles are enforced here, in the schema: every field declares the
 * scopes it needs, and the scopes come from the caller's API key role (server/auth/roles.ts).
 * A denial answers HTTP 403 with code FORBIDDEN, like a capture key at /graphql.
 *
 * Fields declare their cost (`complexity`): 1 by default; a list field multiplies the cost of its
 * selection by the rows it may return (its `first`, or the size its list reaches in practice).
 * server/graphql/limits.ts refuses a request over its cost limit before it runs.
 *
 * Every list of stored records is a Relay connection paged by one policy (schema/cursors.ts);
 * ids stay the records' own ids (no global ids, no `node` query).
 *
 * A mutation answers a union `<Mutation>Result` of its payload and its expected errors; each
 * payload is named on purpose where the mutation is declared (`errors.result.name`, e.g.
 * `DestinationCreated`): building the schema fails for a mutation that does not name it.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { reader: boolean; writer: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ComplexityPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ ...permissionsOf(ctx.principal.role).graphql }),
    unauthorizedError: (_parent, ctx) =>
      new GraphQLError(`a ${ctx.principal.role} key is not allowed to do this`, {
        extensions: { code: 'FORBIDDEN', http: { status: 403 } },
      }),
  },
  errors: {
    defaultTypes: [],
    defaultUnionOptions: { name: ({ fieldName }) => `${fieldName[0]!.toUpperCase()}${fieldName.slice(1)}Result` },
    defaultResultOptions: {
      name: ({ parentTypeName, fieldName }) => {
        throw new Error(`${parentTypeName}.${fieldName}: name its payload type (errors: { result: { name } })`);
      },
    },
  },
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10 },
  relay: {
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    nodesOnConnection: { complexity: { field: 1, multiplier: 1 } },
    // a connection field multiplies its selection by its `first`: its rows are not counted twice
    edgesFieldOptions: { nullable: false, complexity: { field: 1, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    pageInfoTypeOptions: { description: 'Where a page ends: pass endCursor as `after` to read the next one.' },
    firstArgOptions: { description: `Rows in the page: 1 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` },
    afterArgOptions: { description: 'The endCursor of the previous page.' },
    lastArgOptions: { description: 'Not supported: lists page forward (first, after).' },
    beforeArgOptions: { description: 'Not supported: lists page forward (first, after).' },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
