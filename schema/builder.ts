import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { permissionsOf } from '../server/auth/roles.ts';
import type { GraphQLContext } from './context.ts';

/**
 * The one schema builder. Roles are enforced here, in the schema: every field declares the
 * scopes it needs, and the scopes come from the caller's API key role (server/auth/roles.ts).
 * A denial answers HTTP 403 with code FORBIDDEN, like a capture key at /graphql.
 *
 * Fields declare their cost (`complexity`): 1 by default; a list field multiplies the cost of its
 * selection by the rows it may return (its `first`, or the size its list reaches in practice).
 * server/graphql/limits.ts refuses a request over its cost limit before it runs.
 */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { reader: boolean; writer: boolean; admin: boolean };
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ComplexityPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({ ...permissionsOf(ctx.principal.role).graphql }),
    unauthorizedError: (_parent, ctx) =>
      new GraphQLError(`a ${ctx.principal.role} key is not allowed to do this`, {
        extensions: { code: 'FORBIDDEN', http: { status: 403 } },
      }),
  },
  errors: { defaultTypes: [] },
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10 },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
