import { parseDestinationConfig } from '../../plugins/sdk/index.ts';
import type { SecretBox } from '../auth/secrets.ts';
import type { Database } from '../db/client.ts';
import { changeSnapshot } from '../db/queries/changes.ts';
import {
  closeActivePeriod,
  findQueuedRun,
  getDestination,
  insertDestination,
  insertSyncRun,
  openActivePeriod,
  updateDestination,
  type DestinationRecord,
  type SyncRunRecord,
} from '../db/queries/destinations.ts';
import { EVENT_TYPES } from '../processing/event-types.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { destinationConfig } from './run-sync.ts';

/** An expected failure of a destination operation, with a stable code (GraphQL maps it to a typed error). */
export class DestinationInputError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

const sameList = (a: string[] | null, b: string[] | null) => JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
const sameFilters = (a: DestinationRecord, b: DestinationRecord) =>
  sameList(a.eventTypesInclude, b.eventTypesInclude) && sameList(a.eventTypesExclude, b.eventTypesExclude);

export interface DestinationInput {
  name?: string;
  pluginId?: string;
  /** Plugin config. On update, secret fields left out keep their stored value. */
  config?: Record<string, unknown>;
  intervalMinutes?: number;
  eventTypesInclude?: string[] | null;
  eventTypesExclude?: string[] | null;
  enabled?: boolean;
}

/**
 * Destination management: validation of the plugin config (the plugin's own zod schema),
 * encryption of its secret fields, active periods (a destination receives the events captured
 * while it is enabled: DESIGN.md §2.4), and "sync now".
 */
export function createDestinationService(deps: { db: Database; registry: PluginRegistry; secrets: SecretBox }) {
  const { db, registry, secrets } = deps;

  function splitConfig(pluginId: string, config: Record<string, unknown>) {
    const plugin = registry.get(pluginId);
    if (!plugin) throw new DestinationInputError('UNKNOWN_PLUGIN', `no destination plugin "${pluginId}" is installed`, 'pluginId');
    try {
      parseDestinationConfig(plugin.definition, config);
    } catch (error) {
      throw new DestinationInputError('INVALID_CONFIG', error instanceof Error ? error.message : String(error), 'config');
    }
    const publicConfig: Record<string, unknown> = {};
    const secretConfig: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(config)) {
      (plugin.secretFields.includes(key) ? secretConfig : publicConfig)[key] = value;
    }
    return { config: publicConfig, secretConfig: Object.keys(secretConfig).length ? secrets.seal(JSON.stringify(secretConfig)) : null };
  }

  function checkCommon(input: DestinationInput) {
    if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 200)) {
      throw new DestinationInputError('INVALID_NAME', 'name must be 1 to 200 characters', 'name');
    }
    if (input.intervalMinutes !== undefined && (!Number.isInteger(input.intervalMinutes) || input.intervalMinutes < 1 || input.intervalMinutes > 1440)) {
      throw new DestinationInputError('INVALID_INTERVAL', 'intervalMinutes must be a whole number from 1 to 1440', 'intervalMinutes');
    }
    for (const field of ['eventTypesInclude', 'eventTypesExclude'] as const) {
      const unknown = (input[field] ?? []).filter((t) => !EVENT_TYPES.has(t));
      if (unknown.length) throw new DestinationInputError('UNKNOWN_EVENT_TYPE', `unknown event types: ${unknown.join(', ')}`, field);
    }
    if (input.eventTypesInclude?.length && input.eventTypesExclude?.length) {
      throw new DestinationInputError('CONFLICTING_FILTERS', 'give eventTypesInclude or eventTypesExclude, not both', 'eventTypesExclude');
    }
  }

  return {
    async create(orgId: string, createdBy: string, input: DestinationInput & { name: string; pluginId: string; config: Record<string, unknown> }) {
      checkCommon(input);
      const { config, secretConfig } = splitConfig(input.pluginId, input.config);
      const enabled = input.enabled ?? true;
      return db.transaction(async (tx) => {
        const created = await insertDestination(tx, {
          orgId,
          name: input.name.trim(),
          pluginId: input.pluginId,
          config,
          secretConfig,
          enabled,
          intervalMinutes: input.intervalMinutes ?? 60,
          eventTypesInclude: input.eventTypesInclude ?? null,
          eventTypesExclude: input.eventTypesExclude ?? null,
          // the cursor starts here; what the destination gets is decided by its active periods
          cursorSnapshot: await changeSnapshot(tx),
          nextRunTime: new Date(),
          createdBy,
        });
        // after the snapshot: an event captured from this instant on commits after it
        if (enabled) await openActivePeriod(tx, created, new Date());
        return created;
      });
    },

    async update(orgId: string, id: string, input: DestinationInput): Promise<DestinationRecord> {
      checkCommon(input);
      const current = await getDestination(db, orgId, id);
      if (!current) throw new DestinationInputError('NOT_FOUND', `destination ${id} was not found`);
      const values: Parameters<typeof updateDestination>[3] = {};
      if (input.name !== undefined) values.name = input.name.trim();
      if (input.intervalMinutes !== undefined) values.intervalMinutes = input.intervalMinutes;
      if (input.eventTypesInclude !== undefined) values.eventTypesInclude = input.eventTypesInclude;
      if (input.eventTypesExclude !== undefined) values.eventTypesExclude = input.eventTypesExclude;
      if (input.config !== undefined) {
        // secret fields not given keep their stored value: clients never see them to send back
        const merged = { ...destinationConfig(current, secrets), ...input.config };
        Object.assign(values, splitConfig(current.pluginId, merged));
        values.tablesVersion = null;
        values.consecutiveFailures = 0;
        values.nextRunTime = new Date();
      }
      return db.transaction(async (tx) => {
        const updated = (await updateDestination(tx, orgId, id, values))!;
        // Filters belong to a period: events keep the filters in force when they were captured.
        if (updated.enabled && !sameFilters(current, updated)) {
          const now = new Date();
          await closeActivePeriod(tx, id, now);
          await openActivePeriod(tx, updated, now);
        }
        return updated;
      });
    },

    /**
     * Enabling opens an active period, disabling closes it. The cursor stays where it is: the
     * next run reads what changed while disabled too, for the tombstones and re-emitted rows of
     * events captured while active; events captured while disabled are never sent.
     */
    async setEnabled(orgId: string, id: string, enabled: boolean): Promise<DestinationRecord> {
      return db.transaction(async (tx) => {
        const current = await getDestination(tx, orgId, id, { forUpdate: true });
        if (!current) throw new DestinationInputError('NOT_FOUND', `destination ${id} was not found`);
        if (current.enabled === enabled) return current;
        if (enabled) await openActivePeriod(tx, current, new Date());
        else await closeActivePeriod(tx, id, new Date());
        const values: Parameters<typeof updateDestination>[3] = enabled
          ? { enabled, nextRunTime: new Date(), consecutiveFailures: 0 }
          : { enabled };
        return (await updateDestination(tx, orgId, id, values))!;
      });
    },

    /** Queues a run now; returns the queued run (an already queued one is reused). */
    async syncNow(orgId: string, id: string): Promise<SyncRunRecord> {
      const current = await getDestination(db, orgId, id);
      if (!current) throw new DestinationInputError('NOT_FOUND', `destination ${id} was not found`);
      if (!current.enabled) throw new DestinationInputError('DESTINATION_DISABLED', 'enable the destination before syncing it');
      const queued = (await findQueuedRun(db, id)) ?? (await insertSyncRun(db, { destinationId: id, orgId, status: 'queued', trigger: 'manual' }));
      await updateDestination(db, orgId, id, { nextRunTime: new Date() });
      return queued;
    },

    /** Connects with the stored config and runs the plugin's step-by-step check. */
    async test(orgId: string, id: string) {
      const current = await getDestination(db, orgId, id);
      if (!current) throw new DestinationInputError('NOT_FOUND', `destination ${id} was not found`);
      const plugin = registry.get(current.pluginId);
      if (!plugin) throw new DestinationInputError('UNKNOWN_PLUGIN', `no destination plugin "${current.pluginId}" is installed`);
      const config = parseDestinationConfig(plugin.definition, destinationConfig(current, secrets));
      const connection = await plugin.definition.connect(config, {
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      try {
        return await connection.check();
      } finally {
        await connection.close().catch(() => {});
      }
    },
  };
}
export type DestinationService = ReturnType<typeof createDestinationService>;
