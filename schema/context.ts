import type { KeyResolver, Principal } from '../server/auth/api-keys.ts';
import type { Database } from '../server/db/client.ts';

/** Everything a resolver may use; built per request by server/app.ts. */
export interface GraphQLContext {
  principal: Principal;
  db: Database;
  keys: KeyResolver;
}
