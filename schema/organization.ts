import type { Principal } from '../server/auth/api-keys.ts';
import { getOrganization, type Organization } from '../server/db/queries/organizations.ts';
import { API_KEY_ROLES } from '../server/db/schema/index.ts';
import { builder } from './builder.ts';

export const OrganizationType = builder.objectRef<Organization>('Organization').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
  }),
});

const RoleEnum = builder.enumType('Role', { values: API_KEY_ROLES });

const MeType = builder.objectRef<Pick<Principal, 'keyId' | 'role' | 'orgId'>>('Me').implement({
  description: 'The caller, as identified by its API key.',
  fields: (t) => ({
    apiKeyId: t.exposeID('keyId'),
    role: t.expose('role', { type: RoleEnum }),
    organization: t.field({
      type: OrganizationType,
      resolve: async (me, _args, ctx) => (await getOrganization(ctx.db, me.orgId))!,
    }),
  }),
});

builder.queryField('me', (t) =>
  t.field({
    type: MeType,
    authScopes: { reader: true },
    resolve: (_root, _args, ctx) => ctx.principal,
  }),
);

builder.queryField('organization', (t) =>
  t.field({
    type: OrganizationType,
    authScopes: { reader: true },
    resolve: async (_root, _args, ctx) => (await getOrganization(ctx.db, ctx.principal.orgId))!,
  }),
);

export { RoleEnum };
