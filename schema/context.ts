import type { KeyResolver, Principal } from '../server/auth/api-keys.ts';
import type { Database } from '../server/db/client.ts';
import type { PluginRegistry } from '../server/plugins/registry.ts';
import type { DestinationService } from '../server/sync/destinations.ts';
import type { SyncScheduler } from '../server/sync/scheduler.ts';
import type { Deletions } from '../server/lifecycle/deletions.ts';
import type { Alerts } from '../server/alerts/webhooks.ts';
import type { DefinitionWriteDeps } from '../server/definitions/services/manage.ts';

/** Everything a resolver may use; built per request by server/app.ts. */
export interface GraphQLContext {
  principal: Principal;
  db: Database;
  keys: KeyResolver;
  sync: { registry: PluginRegistry; destinations: DestinationService; scheduler: SyncScheduler };
  deletions: Deletions;
  alerts: Alerts;
  /** Definition writes announce themselves to this app's enrichment (server/definitions/services/). */
  definitionWrites: DefinitionWriteDeps;
}
