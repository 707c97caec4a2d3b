import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { GraphQLContext } from './context.ts';

/**
 * The one schema builder. Roles are enforced here, in the schema: every field declares the
 * scopes it needs, and the scopes come from the caller's API key role.
 *   reader: admin, architect, analyst   writer: admin, architect   admin: admin
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
  plugins: [ScopeAuthPlugin, ErrorsPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: (ctx) => ({
      reader: ctx.principal.role !== 'capture',
      writer: ctx.principal.role === 'admin' || ctx.principal.role === 'architect',
      admin: ctx.principal.role === 'admin',
    }),
    unauthorizedError: (_parent, ctx) =>
      new GraphQLError(`a ${ctx.principal.role} key is not allowed to do this`, { extensions: { code: 'FORBIDDEN' } }),
  },
  errors: { defaultTypes: [] },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
