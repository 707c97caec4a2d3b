import { parseDestinationConfig, type DestinationConnection } from '@tributary/destination-sdk';
import type { SecretBox } from '../auth/secrets.ts';
import { pgErrorCode, type Database } from '../db/client.ts';
import { cancelBackfill, insertBackfill, type Backfill } from '../db/queries/backfills.ts';
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
import { NotFoundError, ValidationError, validationErrorOf } from '../errors.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import type { InstalledPlugin, PluginRegistry } from '../plugins/registry.ts';
import { destinationConfig } from './run-sync.ts';
import { requireSecrets, type TargetGuard } from './targets.ts';

const sameList = (a: string[] | null, b: string[] | null) =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
const sameFilters = (a: DestinationRecord, b: DestinationRecord) =>
  sameList(a.eventTypesInclude, b.eventTypesInclude) && sameList(a.eventTypesExclude, b.eventTypesExclude);

export interface DestinationInput {
  name?: string;
  pluginId?: string;
  /**
   * Plugin config. On update, fields left out keep their stored value, except secrets when a
   * target field changes; a field given as null is removed.
   */
  config?: Record<string, unknown>;
  intervalMinutes?: number;
  eventTypesInclude?: string[] | null;
  eventTypesExclude?: string[] | null;
  enabled?: boolean;
}

/** A backfill starts at an instant before now (and within years 1 to 9999, as every stored time). */
function checkBackfillFrom(from: Date, now: Date, field: string) {
  if (Number.isNaN(from.getTime()) || from.getUTCFullYear() < 1 || from.getUTCFullYear() > 9999 || from >= now) {
    throw new ValidationError('INVALID_BACKFILL_FROM', `${field} must be an instant before now`, field);
  }
}

/**
 * Destination management: validation of the plugin config (the plugin's own zod schema and the
 * operator's target policy), encryption of its secret fields, active periods (a destination
 * receives the events captured while it is enabled: docs/warehouse-schema.md, "What each destination holds"), backfills (the recorded
 * exception: what was captured from a given instant until the request), and "sync now".
 *
 * Secrets are bound to the target: an update that changes a target field (where the plugin
 * connects, as whom) without giving the secrets again drops them and lists them in
 * `clearedSecrets`, so a stored credential is never sent anywhere its owner did not send it.
 */
export function createDestinationService(deps: {
  db: Database;
  registry: PluginRegistry;
  secrets: SecretBox;
  targets: TargetGuard;
  /** The clock of capture times: active periods are compared with them (default: the wall clock). */
  clock?: () => number;
}) {
  const { db, registry, secrets, targets } = deps;
  const periodTime = () => new Date((deps.clock ?? Date.now)());

  function pluginOf(pluginId: string): InstalledPlugin {
    const plugin = registry.get(pluginId);
    if (!plugin) throw new ValidationError('UNKNOWN_PLUGIN', `no destination plugin "${pluginId}" is installed`, 'pluginId');
    return plugin;
  }

  /**
   * Validates a whole config (null fields removed) with the plugin's schema and the target policy,
   * and splits it into the stored columns. Secrets waiting to be given again (`missingSecrets`)
   * may be absent: the rest of the config must fit.
   */
  async function storedConfig(plugin: InstalledPlugin, config: Record<string, unknown>, missingSecrets: string[] = []) {
    const given = Object.fromEntries(Object.entries(config).filter(([, value]) => value !== null));
    const result = plugin.definition.config.safeParse(given);
    const problems = result.success ? [] : result.error.issues.filter((issue) => !missingSecrets.includes(String(issue.path[0])));
    if (problems.length > 0) {
      // as parseDestinationConfig words it: field names and zod's messages, never the values
      const list = problems.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`).join('; ');
      throw new ValidationError('INVALID_CONFIG', `invalid configuration for destination "${plugin.definition.id}": ${list}`, 'config');
    }
    // the file path comes back normalised
    const checked = await policyChecked(() => targets.checkConfig(plugin, given));
    const publicConfig: Record<string, unknown> = {};
    const secretConfig: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(checked.config)) {
      (plugin.secretFields.includes(key) ? secretConfig : publicConfig)[key] = value;
    }
    return {
      config: publicConfig,
      secretConfig: Object.keys(secretConfig).length ? secrets.seal(JSON.stringify(secretConfig)) : null,
      localFile: checked.localFile?.toLowerCase() ?? null,
    };
  }

  /**
   * The secrets an update leaves out are dropped when it changes a target field (compared after
   * each field's own parsing, so `5432` and a left-out default port are the same). Returns the
   * config to store and the secrets still to be given again.
   */
  function bindSecrets(plugin: InstalledPlugin, current: DestinationRecord, update: Record<string, unknown>) {
    const stored = destinationConfig(current, secrets);
    const merged: Record<string, unknown> = { ...stored, ...update };
    const shape = plugin.definition.config.shape as Record<string, { safeParse(value: unknown): { success: boolean; data?: unknown } }>;
    const normalised = (name: string, value: unknown) => {
      const result = shape[name]?.safeParse(value ?? undefined);
      return JSON.stringify(result?.success ? result.data : value);
    };
    const targetChanged = plugin.targetFields.some(({ name }) => normalised(name, stored[name]) !== normalised(name, merged[name]));
    const dropped = targetChanged ? plugin.secretFields.filter((name) => name in stored && !(name in update)) : [];
    for (const name of dropped) delete merged[name];
    const missing = new Set([...(current.clearedSecrets ?? []), ...dropped]);
    for (const name of Object.keys(update)) missing.delete(name);
    return { config: merged, clearedSecrets: [...missing] };
  }

  async function policyChecked<T>(check: () => Promise<T>): Promise<T> {
    try {
      return await check();
    } catch (error) {
      throw validationErrorOf(error) ?? error;
    }
  }

  /** Stores a destination row; the unique index on its file refuses another destination's file. */
  async function storing<T>(plugin: InstalledPlugin | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (pgErrorCode(error) === '23505') {
        const field = plugin?.targetFields.find((target) => target.kind === 'file')?.name ?? 'config';
        throw new ValidationError(
          'FILE_PATH_IN_USE',
          `${field}: another destination already writes to this file; choose another path`,
          field,
        );
      }
      throw error;
    }
  }

  function checkCommon(input: DestinationInput) {
    if (input.name !== undefined && (input.name.trim().length === 0 || input.name.length > 200)) {
      throw new ValidationError('INVALID_NAME', 'name must be 1 to 200 characters', 'name');
    }
    if (
      input.intervalMinutes !== undefined &&
      (!Number.isInteger(input.intervalMinutes) || input.intervalMinutes < 1 || input.intervalMinutes > 1440)
    ) {
      throw new ValidationError('INVALID_INTERVAL', 'intervalMinutes must be a whole number from 1 to 1440', 'intervalMinutes');
    }
    for (const field of ['eventTypesInclude', 'eventTypesExclude'] as const) {
      const unknown = (input[field] ?? []).filter((t) => !EVENT_TYPES.has(t));
      if (unknown.length) throw new ValidationError('UNKNOWN_EVENT_TYPE', `unknown event types: ${unknown.join(', ')}`, field);
    }
    if (input.eventTypesInclude?.length && input.eventTypesExclude?.length) {
      throw new ValidationError('CONFLICTING_FILTERS', 'give eventTypesInclude or eventTypesExclude, not both', 'eventTypesExclude');
    }
  }

  return {
    /** Creates a destination; with `backfillFrom`, it starts with a backfill of what was captured from then until its creation. */
    async create(
      orgId: string,
      createdBy: string,
      input: DestinationInput & { name: string; pluginId: string; config: Record<string, unknown>; backfillFrom?: Date },
    ) {
      checkCommon(input);
      if (input.backfillFrom) checkBackfillFrom(input.backfillFrom, periodTime(), 'backfillFrom');
      const plugin = pluginOf(input.pluginId);
      const { config, secretConfig, localFile } = await storedConfig(plugin, input.config);
      const enabled = input.enabled ?? true;
      return storing(plugin, () =>
        db.transaction(async (tx) => {
          const created = await insertDestination(tx, {
            orgId,
            name: input.name.trim(),
            pluginId: input.pluginId,
            config,
            secretConfig,
            localFile,
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
          const now = periodTime();
          if (enabled) await openActivePeriod(tx, created, now);
          // up to the instant the active period starts: together they leave no capture time out
          if (input.backfillFrom) await insertBackfill(tx, created, { from: input.backfillFrom, to: now, requestedBy: createdBy });
          return created;
        }),
      );
    },

    /**
     * Updates a destination. The result's `clearedSecrets` lists the secrets dropped because a
     * target field changed (and earlier ones still not given again).
     */
    async update(orgId: string, id: string, input: DestinationInput): Promise<DestinationRecord> {
      checkCommon(input);
      const current = await getDestination(db, orgId, id);
      if (!current) throw new NotFoundError('destination');
      const values: Parameters<typeof updateDestination>[3] = {};
      if (input.name !== undefined) values.name = input.name.trim();
      if (input.intervalMinutes !== undefined) values.intervalMinutes = input.intervalMinutes;
      if (input.eventTypesInclude !== undefined) values.eventTypesInclude = input.eventTypesInclude;
      if (input.eventTypesExclude !== undefined) values.eventTypesExclude = input.eventTypesExclude;
      // a plugin that is no longer installed still lets its destinations be renamed
      const plugin = input.config !== undefined ? pluginOf(current.pluginId) : undefined;
      if (plugin && input.config !== undefined) {
        const bound = bindSecrets(plugin, current, input.config);
        Object.assign(values, await storedConfig(plugin, bound.config, bound.clearedSecrets));
        values.clearedSecrets = bound.clearedSecrets.length ? bound.clearedSecrets : null;
        values.tablesVersion = null;
        values.consecutiveFailures = 0;
        values.nextRunTime = new Date();
      }
      return storing(plugin, () =>
        db.transaction(async (tx) => {
          const updated = (await updateDestination(tx, orgId, id, values))!;
          // Filters belong to a period: events keep the filters in force when they were captured.
          if (updated.enabled && !sameFilters(current, updated)) {
            const now = periodTime();
            await closeActivePeriod(tx, id, now);
            await openActivePeriod(tx, updated, now);
          }
          return updated;
        }),
      );
    },

    /**
     * Enabling opens an active period, disabling closes it. The cursor stays where it is: the
     * next run reads what changed while disabled too, for the tombstones and re-emitted rows of
     * events captured while active; events captured while disabled are never sent.
     */
    async setEnabled(orgId: string, id: string, enabled: boolean): Promise<DestinationRecord> {
      return db.transaction(async (tx) => {
        const current = await getDestination(tx, orgId, id, { forUpdate: true });
        if (!current) throw new NotFoundError('destination');
        if (current.enabled === enabled) return current;
        if (enabled) await openActivePeriod(tx, current, periodTime());
        else await closeActivePeriod(tx, id, periodTime());
        const values: Parameters<typeof updateDestination>[3] = enabled
          ? { enabled, nextRunTime: new Date(), consecutiveFailures: 0 }
          : { enabled };
        return (await updateDestination(tx, orgId, id, values))!;
      });
    },

    /**
     * Records a backfill of what was captured from `from` until now, with the destination's
     * current filters, and schedules its first chunk at once (it progresses while the
     * destination is enabled). One at a time per destination: BACKFILL_IN_PROGRESS otherwise.
     */
    async backfill(orgId: string, id: string, from: Date, requestedBy: string): Promise<Backfill> {
      // a backfill's end is compared with capture times: the clock they are read from
      const now = periodTime();
      checkBackfillFrom(from, now, 'from');
      try {
        return await db.transaction(async (tx) => {
          const current = await getDestination(tx, orgId, id, { forUpdate: true });
          if (!current) throw new NotFoundError('destination');
          const backfill = await insertBackfill(tx, current, { from, to: now, requestedBy });
          if (current.enabled) await updateDestination(tx, orgId, id, { nextRunTime: new Date() });
          return backfill;
        });
      } catch (error) {
        if (pgErrorCode(error) === '23505') {
          throw new ValidationError(
            'BACKFILL_IN_PROGRESS',
            'this destination already has a backfill queued or running; cancel it or wait for it to finish',
          );
        }
        throw error;
      }
    },

    /**
     * Cancels a backfill: what it sent stays, and its period ends where it stopped (at once, or
     * once the chunk in flight is sent: `cancelRequested`). Cancelling a cancelled backfill
     * changes nothing; a finished one is refused with BACKFILL_FINISHED.
     */
    async cancelBackfill(orgId: string, backfillId: string): Promise<Backfill> {
      const backfill = await cancelBackfill(db, orgId, backfillId);
      if (!backfill) throw new NotFoundError('backfill');
      if (backfill.run.status === 'succeeded') throw new ValidationError('BACKFILL_FINISHED', 'this backfill has already sent everything');
      return backfill;
    },

    /** Queues a run now; returns the queued run (an already queued one is reused). */
    async syncNow(orgId: string, id: string): Promise<SyncRunRecord> {
      const current = await getDestination(db, orgId, id);
      if (!current) throw new NotFoundError('destination');
      if (!current.enabled) throw new ValidationError('DESTINATION_DISABLED', 'enable the destination before syncing it');
      const queued =
        (await findQueuedRun(db, id)) ?? (await insertSyncRun(db, { destinationId: id, orgId, status: 'queued', trigger: 'manual' }));
      await updateDestination(db, orgId, id, { nextRunTime: new Date() });
      return queued;
    },

    /**
     * Connects with the stored config, through the target checks, and runs the plugin's
     * step-by-step check. A refusal of the target policy is thrown with its code.
     */
    async test(orgId: string, id: string) {
      const current = await getDestination(db, orgId, id);
      if (!current) throw new NotFoundError('destination');
      const plugin = pluginOf(current.pluginId);
      // before parsing: a cleared required secret would otherwise read as a bare parse error
      await policyChecked(async () => requireSecrets(current));
      const config = parseDestinationConfig(plugin.definition, destinationConfig(current, secrets));
      const connection: DestinationConnection = await policyChecked(() =>
        targets.connect(plugin, current, config, { logger: { debug() {}, info() {}, warn() {}, error() {} } }),
      );
      try {
        return await connection.check();
      } finally {
        await connection.close().catch(() => {});
      }
    },
  };
}
export type DestinationService = ReturnType<typeof createDestinationService>;
