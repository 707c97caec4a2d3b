import type { ApiKeyRole } from '../db/schema/index.ts';

/** What a role may do; every check of a role reads this, nowhere else names a role. */
export interface RolePermissions {
  /**
   * The key is public: it is in every page running the web SDK, so it only sends events, may
   * travel in a URL (`?key=`, for sendBeacon), may be bound to allowed origins, and looks
   * different from secret keys (`tc_` rather than `tk_`).
   */
  readonly publicKey: boolean;
  /** GraphQL scopes (schema/builder.ts): read the organization, configure it, administer keys and deletions. */
  readonly graphql: { readonly reader: boolean; readonly writer: boolean; readonly admin: boolean };
  /**
   * The data plane (server/capture/router.ts): send events; read back what was sent (users,
   * batch job results holding the rejected events); delete users.
   */
  readonly capture: { readonly write: boolean; readonly read: boolean; readonly delete: boolean };
}

/**
 * Every API key role and what it may do (README "Roles" and "Keys on the data plane"). `admin` manages keys and everything
 * else; `architect` configures definitions and destinations; `analyst` reads through GraphQL and
 * sends nothing to the data plane; `capture` keys are public and only send events.
 */
export const ROLE_PERMISSIONS = {
  admin: { publicKey: false, graphql: { reader: true, writer: true, admin: true }, capture: { write: true, read: true, delete: true } },
  architect: {
    publicKey: false,
    graphql: { reader: true, writer: true, admin: false },
    capture: { write: true, read: true, delete: false },
  },
  analyst: {
    publicKey: false,
    graphql: { reader: true, writer: false, admin: false },
    capture: { write: false, read: false, delete: false },
  },
  capture: {
    publicKey: true,
    graphql: { reader: false, writer: false, admin: false },
    capture: { write: true, read: false, delete: false },
  },
} as const satisfies Record<ApiKeyRole, RolePermissions>;

/** What `role` may do. */
export const permissionsOf = (role: ApiKeyRole): RolePermissions => ROLE_PERMISSIONS[role];

/** Whether keys of `role` are public (see `RolePermissions.publicKey`). */
export const isPublicRole = (role: ApiKeyRole): boolean => permissionsOf(role).publicKey;
