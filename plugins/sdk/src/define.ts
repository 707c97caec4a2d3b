import type { z } from 'zod';
import { isSecretSchema, targetFields } from './config.ts';
import { ConfigError } from './errors.ts';
import type { CopyTextChunk } from './copy-text.ts';
import type { DefinitionTables, EventRow } from './rows.ts';

/**
 * The version of this SDK's plugin API, which is also the package's major version. A plugin
 * states the version it targets in `apiVersion`; the host refuses a plugin whose `apiVersion` it
 * does not support. Minor versions of the SDK only add; anything breaking raises this.
 */
export const DESTINATION_API_VERSION = 1;

/** Structured logger the host gives a plugin. `fields` must never contain secrets. */
export interface DestinationLogger {
  /** Detail useful when debugging a destination. */
  debug(message: string, fields?: Record<string, unknown>): void;
  /** A notable step of an operation. */
  info(message: string, fields?: Record<string, unknown>): void;
  /** Something unexpected that did not stop the operation. */
  warn(message: string, fields?: Record<string, unknown>): void;
  /** A failure; the plugin still throws a classified error. */
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What the host passes to `connect` besides the parsed config. */
export interface DestinationContext {
  /** Where the plugin logs. */
  logger: DestinationLogger;
  /** Aborted when the host gives up on the operation (shutdown, timeout); plugins stop early. */
  signal?: AbortSignal;
  /**
   * Called once for every statement or request the plugin sends to the warehouse, before it
   * is sent, with the SQL text or a short description of the request. The host uses it for
   * metrics and the contract kit to prove that an empty load sends nothing. A plugin must call
   * it for each statement it sends, including those of `check`.
   */
  onStatement?: (statement: string) => void;
}

/** The result of one step of {@link DestinationConnection.check}. */
export interface CheckStep {
  /** Stable step name: `connect`, `create schema`, `create tables`, `write`, `read back`, `clean up`. */
  step: string;
  /** True when the step succeeded. */
  ok: boolean;
  /** True when the step did not run because an earlier step failed (then `ok` is false). */
  skipped: boolean;
  /** Readable outcome: what was done, or why it failed (classified message, no secrets). */
  message: string;
  /** Wall time of the step in milliseconds (0 when skipped). */
  durationMs: number;
}

/** What a load does besides loading rows. */
export interface LoadOptions {
  /**
   * Devices whose rows the warehouse must delete (the host's deletion requests): every
   * row of `events` with one of these `device_id`s goes, in the load's transaction, before the
   * load's own rows are merged (those, captured after the request, stay). Given only to plugins
   * that declare `capabilities.deleteDevices`; with it, a load runs even when it has no rows.
   */
  deleteDeviceIds?: readonly string[];
}

/** What {@link DestinationConnection.loadEvents} did. */
export interface LoadResult {
  /** Rows written to `raw_events` (every row received, duplicates included). */
  rowsStaged: number;
  /** Rows of `events` inserted or updated by the merge (older or equal rows are not counted). */
  rowsMerged: number;
  /** Bytes of row data sent to the warehouse (UTF-8 size of the encoded rows). */
  bytes: number;
  /** Rows of `events` deleted for {@link LoadOptions.deleteDeviceIds}, when the warehouse says. */
  rowsDeleted?: number;
  /**
   * The `event_time` range of the staged rows (`EventRow` time text), when the merge was bounded
   * by it: it touched only the rows of `events` inside it. The host records it on the run.
   * A row's `event_time` never changes between its versions (tombstones keep it), so a merge may
   * look for stored rows only inside the staged range.
   */
  mergedEventTimeRange?: { from: string; to: string } | null;
}

/**
 * An open session with one destination. Every method throws a classified error
 * ({@link RetryableError}, {@link PermanentError} or {@link ConfigError}) on failure. The host
 * calls the methods one at a time, never concurrently on the same connection.
 */
export interface DestinationConnection {
  /**
   * Tests the destination step by step (connect, create schema, create tables, write, read back,
   * clean up). Stops at the first failing step and reports the remaining ones as skipped. Never
   * throws for a failing step; touches neither `events` nor the lookup tables' content.
   */
  check(): Promise<CheckStep[]>;
  /**
   * Creates the schema and the tables `events`, `raw_events`, `event_definitions`,
   * `page_definitions` and `element_definitions` if missing, and adds missing columns.
   * Idempotent; the host calls it before every load.
   */
  ensureTables(): Promise<void>;
  /**
   * Loads a window of rows: clears leftover staging, streams every batch into `raw_events`,
   * merges `raw_events` into `events` on `event_id` in one warehouse transaction (a row replaces
   * the stored one only when its `processed_time` is later; within the load the latest
   * `processed_time` of each `event_id` wins), sets `updated_time` with the warehouse clock on
   * the rows it wrote, and leaves `raw_events` empty. A tombstone (a row whose `event_type` is
   * null) applies only to a row the warehouse holds, or one the same load brings live: a tombstone
   * of any other `event_id` inserts nothing (the host sends the tombstones of every row a
   * destination may have received; the warehouse is the one place that knows which it did).
   * Across loads, the host sends the versions of a row in `processed_time` order.
   *
   * Batches are consumed as they come, never collected: memory must not grow with the window.
   * When the iterable yields no rows at all, nothing is sent to the warehouse.
   * It resolves only after the merge committed; the host moves its cursor then.
   */
  loadEvents(batches: AsyncIterable<EventRow[]>, options?: LoadOptions): Promise<LoadResult>;
  /**
   * Optional, for warehouses that take Postgres `COPY` text: the same as {@link loadEvents}, with
   * the rows already encoded ({@link CopyTextChunk}). A host that keeps its rows in Postgres
   * streams them this way without decoding them into objects, which is several times cheaper;
   * otherwise it calls `loadEvents`. Same contract, same result for the same rows.
   */
  loadEventsCopyText?(chunks: AsyncIterable<CopyTextChunk>, options?: LoadOptions): Promise<LoadResult>;
  /**
   * Rewrites each lookup table to exactly the given rows (rows absent from the input are
   * removed), with `updated_time` from the warehouse clock, in one transaction where the
   * warehouse allows it.
   */
  replaceDefinitions(tables: DefinitionTables): Promise<void>;
  /** Releases the connection, files and locks. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A destination plugin: everything the host needs, described once in code.
 * @typeParam TConfig the zod object schema of the config
 */
export interface DestinationDefinition<TConfig extends z.ZodObject = z.ZodObject> {
  /** Permanent kebab-case id, e.g. `postgres` or `acme-lake`; stored in users' configurations. */
  id: string;
  /** Name shown in the UI, e.g. `PostgreSQL`. */
  displayName: string;
  /** The plugin's own version (semver, e.g. `1.2.0`). */
  version: string;
  /** The SDK API version the plugin targets; {@link DESTINATION_API_VERSION} when written. */
  apiVersion: number;
  /** One or two sentences shown in the UI. */
  description: string;
  /**
   * What the plugin does beyond the base contract. `deleteDevices`: its loads honour
   * {@link LoadOptions.deleteDeviceIds}. Without it, the host reports deletion requests as
   * unsupported for its destinations (in the API and the log) rather than skipping them silently.
   */
  capabilities?: { deleteDevices?: boolean };
  /**
   * The config as a zod object. Field `.describe()` texts feed the UI; secrets are marked with
   * `secret(...)`, the fields that say where it connects and as whom with `target(...)`. The host
   * parses the user's input with it before calling `connect`.
   */
  config: TConfig;
  /**
   * Opens a connection. It should be lazy: nothing is sent to the warehouse until an
   * operation needs it, so an empty sync costs the warehouse nothing.
   */
  connect(config: z.output<TConfig>, ctx: DestinationContext): Promise<DestinationConnection>;
}

/**
 * Declares a destination plugin. Returns the definition unchanged (typed), after checking it
 * with {@link validateDestinationDefinition}; throws an `Error` with one clear message when it
 * is invalid. A plugin package's default export is the result.
 */
export function defineDestination<TConfig extends z.ZodObject>(definition: DestinationDefinition<TConfig>): DestinationDefinition<TConfig> {
  const result = validateDestinationDefinition(definition);
  if (!result.ok) throw new Error(result.error);
  return definition;
}

/** Result of {@link validateDestinationDefinition}. */
export type DefinitionValidation = { ok: true; definition: DestinationDefinition } | { ok: false; error: string };

const KEBAB_CASE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
// semver.org's recommended pattern.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Checks an untrusted module export (the plugin object itself, or a module namespace whose
 * `default` is it) and returns the definition or one readable error. The host uses it to refuse
 * a bad third-party plugin at start-up while still starting with the others.
 *
 * The config check is structural (a zod 4 object schema), so a plugin bundling its own copy of
 * zod 4 is accepted.
 */
export function validateDestinationDefinition(moduleExport: unknown): DefinitionValidation {
  const candidate = unwrapDefault(moduleExport);
  if (typeof candidate !== 'object' || candidate === null) {
    return fail('the module does not export a destination (expected a default export of defineDestination(...))');
  }
  const def = candidate as Record<string, unknown>;
  const label = typeof def.id === 'string' ? `destination "${def.id}"` : 'destination';
  if (typeof def.id !== 'string' || !KEBAB_CASE.test(def.id)) {
    return fail(
      `${label}: id ${JSON.stringify(def.id)} must be kebab-case (lower-case letters, digits and single dashes, starting with a letter)`,
    );
  }
  if (typeof def.displayName !== 'string' || def.displayName.trim() === '') {
    return fail(`${label}: displayName must be a non-empty string`);
  }
  if (typeof def.description !== 'string') {
    return fail(`${label}: description must be a string`);
  }
  if (def.capabilities !== undefined) {
    const caps = def.capabilities as Record<string, unknown> | null;
    if (typeof caps !== 'object' || caps === null || Object.values(caps).some((v) => typeof v !== 'boolean')) {
      return fail(`${label}: capabilities must be an object of booleans, such as { deleteDevices: true }`);
    }
  }
  if (typeof def.version !== 'string' || !SEMVER.test(def.version)) {
    return fail(`${label}: version ${JSON.stringify(def.version)} is not a semantic version like 1.0.0`);
  }
  if (typeof def.apiVersion !== 'number' || !Number.isInteger(def.apiVersion)) {
    return fail(`${label}: apiVersion must be an integer (this host supports ${DESTINATION_API_VERSION})`);
  }
  if (def.apiVersion !== DESTINATION_API_VERSION) {
    return fail(
      `${label}: targets plugin API version ${def.apiVersion}, but this host supports version ${DESTINATION_API_VERSION}; ` +
        (def.apiVersion > DESTINATION_API_VERSION ? 'upgrade Tributary' : 'upgrade the plugin'),
    );
  }
  if (!isZodObject(def.config)) {
    return fail(`${label}: config must be a zod 4 object schema (z.object({...}))`);
  }
  if (typeof def.connect !== 'function') {
    return fail(`${label}: connect must be a function (config, ctx) => Promise<DestinationConnection>`);
  }
  const targetProblem = checkTargetFields(def.config);
  if (targetProblem) return fail(`${label}: ${targetProblem}`);
  return { ok: true, definition: candidate as DestinationDefinition };
}

function checkTargetFields(config: z.ZodObject): string | undefined {
  const fields = targetFields({ config });
  const files = fields.filter((field) => field.kind === 'file');
  if (files.length > 1)
    return `config marks ${files.length} fields as files (${files.map((f) => f.name).join(', ')}); at most one is allowed`;
  for (const field of fields) {
    if (field.override && field.kind !== 'host' && field.kind !== 'url') {
      return `config field ${field.name} is an endpoint override, so its target kind must be host or url`;
    }
    if (field.kind === 'file' && isSecretSchema(config.shape[field.name] as z.ZodType)) {
      return `config field ${field.name} is a file, which cannot be secret`;
    }
  }
  return undefined;
}

function fail(error: string): DefinitionValidation {
  return { ok: false, error };
}

function unwrapDefault(moduleExport: unknown): unknown {
  if (typeof moduleExport === 'object' && moduleExport !== null && 'default' in moduleExport && !('id' in moduleExport)) {
    return (moduleExport as { default: unknown }).default;
  }
  return moduleExport;
}

function isZodObject(value: unknown): value is z.ZodObject {
  const zod = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return zod?.def?.type === 'object' && typeof (value as { safeParse?: unknown }).safeParse === 'function';
}

/**
 * Parses a user's raw config with the plugin's schema; throws a {@link ConfigError} listing every
 * problem (`field: message`) when it does not fit. Secret values never appear in the message.
 */
export function parseDestinationConfig<TConfig extends z.ZodObject>(
  definition: Pick<DestinationDefinition<TConfig>, 'id' | 'config'>,
  raw: unknown,
): z.output<TConfig> {
  const result = definition.config.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(config)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration for destination "${definition.id}": ${problems.join('; ')}`);
}
