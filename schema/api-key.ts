import { createApiKey } from '../server/auth/api-keys.ts';
import { isPublicRole } from '../server/auth/roles.ts';
import { listApiKeys, revokeApiKey, type ApiKey } from '../server/db/queries/api-keys.ts';
import { builder } from './builder.ts';
import { connectionByPosition, connectionCost } from './cursors.ts';
import { byUuidOrNotFound, NotFoundError, ValidationError } from './errors.ts';
import { RoleEnum } from './organization.ts';

const ApiKeyType = builder.objectRef<ApiKey>('ApiKey').implement({
  description: 'An API key. The key itself is shown once, when it is created, and never stored.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    role: t.expose('role', { type: RoleEnum }),
    prefix: t.exposeString('prefix', { description: 'The first characters of the key, to tell keys apart.' }),
    allowedOrigins: t.exposeStringList('allowedOrigins', {
      description: 'Capture keys: browser origins allowed to send events (empty: any).',
    }),
    createdBy: t.exposeString('createdBy'),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    revokedTime: t.expose('revokedTime', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryField('apiKeys', (t) =>
  t.connection(
    {
      type: ApiKeyType,
      authScopes: { admin: true },
      complexity: connectionCost,
      resolve: (_root, args, ctx) => connectionByPosition(args, () => listApiKeys(ctx.db, ctx.principal.orgId)),
    },
    { name: 'ApiKeyConnection' },
    { name: 'ApiKeyEdge' },
  ),
);

const CreatedApiKey = builder.objectRef<{ apiKey: ApiKey; key: string }>('CreatedApiKey').implement({
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyType, resolve: (p) => p.apiKey }),
    key: t.exposeString('key', { description: 'The key itself: store it now, it is not shown again.' }),
  }),
});

const CreateApiKeyInput = builder.inputType('CreateApiKeyInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    role: t.field({ type: RoleEnum, required: true }),
    allowedOrigins: t.stringList({ required: false }),
  }),
});

builder.mutationField('createApiKey', (t) =>
  t.field({
    type: CreatedApiKey,
    authScopes: { admin: true },
    errors: { types: [ValidationError], result: { name: 'ApiKeyCreated' } },
    args: { input: t.arg({ type: CreateApiKeyInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const name = input.name.trim();
      if (name.length === 0 || name.length > 200) throw new ValidationError('INVALID_NAME', 'name must be 1 to 200 characters', 'name');
      const origins = input.allowedOrigins ?? [];
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          parsed = undefined;
        }
        if (!parsed || parsed.origin !== origin) {
          throw new ValidationError('INVALID_ORIGIN', `"${origin}" is not an origin like https://shop.example`, 'allowedOrigins');
        }
      }
      if (origins.length > 0 && !isPublicRole(input.role)) {
        throw new ValidationError('INVALID_ORIGIN', 'only capture keys take allowed origins', 'allowedOrigins');
      }
      const { key, record } = await createApiKey(ctx.db, {
        orgId: ctx.principal.orgId,
        name,
        role: input.role,
        createdBy: `api-key:${ctx.principal.keyId}`,
        allowedOrigins: origins,
      });
      return { apiKey: record, key };
    },
  }),
);

builder.mutationField('revokeApiKey', (t) =>
  t.field({
    type: ApiKeyType,
    authScopes: { admin: true },
    errors: { types: [NotFoundError], result: { name: 'ApiKeyRevoked' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const revoked = await byUuidOrNotFound(id, `API key ${String(id)}`, (uuid) => revokeApiKey(ctx.db, ctx.principal.orgId, uuid));
      ctx.keys.forget(revoked.id);
      return revoked;
    },
  }),
);
