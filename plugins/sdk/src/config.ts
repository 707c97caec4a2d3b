import { z } from 'zod';

/**
 * Marks a config field as secret (password, key, token): the host encrypts it at rest, never
 * returns it from the API, and frontends render it write-only. Mark each secret once, here;
 * `.describe()`, `.optional()` or `.default()` may be applied after it.
 *
 * @example `password: secret(z.string().min(1)).describe('Database password')`
 */
export function secret<T extends z.ZodType>(schema: T): T {
  return schema.meta({ ...schema.meta(), secret: true }) as T;
}

/**
 * What a {@link target} field holds, when the host must check the value itself:
 * - `host`: a host name or IP address the plugin connects to;
 * - `url`: a URL the plugin connects to (the host checks its host);
 * - `file`: a local file. Users give a path relative to the host's folder of destination files;
 *   the host checks it (inside that folder, not a folder itself, no other destination's file)
 *   and `connect` receives the absolute path. A plugin has at most one.
 */
export type TargetKind = 'host' | 'url' | 'file';

/** Options of {@link target}. */
export interface TargetOptions {
  /** What the value is; leave it out for fields the host need not check (account, region, port, database, user, role). */
  kind?: TargetKind;
  /**
   * The field overrides the address the plugin derives by itself (a private link, an emulator, a
   * test fake), e.g. Snowflake's `accessUrl`. The host refuses a value unless its operator allows
   * endpoint overrides. Only with `kind: 'host'` or `'url'`.
   */
  override?: boolean;
}

/** A config field marked with {@link target}, as {@link targetFields} lists it. */
export interface TargetField extends TargetOptions {
  /** The field's name in the config object. */
  name: string;
}

/**
 * Marks a config field as part of the destination's target: where the plugin connects (host,
 * port, URL, account, region, endpoint, TLS mode), as whom (user, role) or what the credentials
 * open there (database, project, cluster). The stored secrets are bound to the target: when an
 * update changes a target field without giving the secrets again, the host drops them, so a
 * credential never goes anywhere its owner did not send it. Fields that only say where the tables
 * go inside that target (schema, dataset) or tune the load are not targets.
 *
 * `options.kind` says when the value is an address the host checks (`host`, `url`) or a local
 * file it resolves (`file`); `options.override` marks a test or private-link endpoint override.
 * Like {@link secret}, it may be combined with `secret(...)`, `.describe()`, `.optional()` and
 * `.default()`.
 *
 * @example `host: target(z.string(), { kind: 'host' }).describe('Host name or IP address')`
 */
export function target<T extends z.ZodType>(schema: T, options: TargetOptions = {}): T {
  return schema.meta({ ...schema.meta(), target: { kind: options.kind ?? null, override: options.override === true } }) as T;
}

/** The metadata `key` of a schema, looking through optional/nullable/default wrappers. */
function fieldMeta(schema: z.ZodType, key: 'secret' | 'target'): unknown {
  let current: unknown = schema;
  for (let depth = 0; depth < 10 && current; depth += 1) {
    const candidate = current as z.ZodType;
    const value = candidate.meta?.()?.[key];
    if (value !== undefined) return value;
    const def = (candidate as { _zod?: { def?: { innerType?: unknown } } })._zod?.def;
    current = def?.innerType;
  }
  return undefined;
}

/** True when a schema (possibly wrapped in optional/nullable/default) was marked with {@link secret}. */
export function isSecretSchema(schema: z.ZodType): boolean {
  return fieldMeta(schema, 'secret') === true;
}

/** The options a schema was marked with by {@link target}, or undefined when it is not a target. */
export function targetOptionsOf(schema: z.ZodType): TargetOptions | undefined {
  const meta = fieldMeta(schema, 'target') as { kind: TargetKind | null; override: boolean } | undefined;
  if (!meta) return undefined;
  return { ...(meta.kind ? { kind: meta.kind } : {}), override: meta.override };
}

/** Names of the top-level config fields marked with {@link secret}. */
export function secretFieldNames(def: { config: z.ZodObject }): string[] {
  return Object.entries(def.config.shape)
    .filter(([, field]) => isSecretSchema(field as z.ZodType))
    .map(([name]) => name);
}

/** The top-level config fields marked with {@link target}, in declaration order. */
export function targetFields(def: { config: z.ZodObject }): TargetField[] {
  return Object.entries(def.config.shape).flatMap(([name, field]) => {
    const options = targetOptionsOf(field as z.ZodType);
    return options ? [{ name, ...options }] : [];
  });
}

/**
 * The JSON Schema (draft 2020-12) of a destination's config, for frontends. It describes the
 * input (defaults make fields optional); `.describe()` texts become `description`; secret fields
 * carry `"writeOnly": true` and `"x-secret": true`; target fields carry `"x-target": true`, with
 * `"x-target-kind"` (`host`, `url` or `file`) and `"x-endpoint-override": true` when they apply.
 */
export function configJsonSchema(def: { config: z.ZodObject }): Record<string, unknown> {
  return z.toJSONSchema(def.config, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      const schema = ctx.zodSchema as unknown as z.ZodType;
      if (json.secret === true || isSecretSchema(schema)) {
        delete json.secret;
        json.writeOnly = true;
        json['x-secret'] = true;
      }
      const targetOptions = targetOptionsOf(schema);
      if (targetOptions) {
        delete json.target;
        json['x-target'] = true;
        if (targetOptions.kind) json['x-target-kind'] = targetOptions.kind;
        if (targetOptions.override) json['x-endpoint-override'] = true;
      }
    },
  }) as Record<string, unknown>;
}

/** Quotes a SQL identifier with double quotes, doubling embedded quotes (ANSI SQL). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A zod schema for a schema/dataset name a plugin will create: a plain lower-case SQL identifier
 * (letters, digits, underscore; starts with a letter or underscore; at most 63 characters), so
 * it needs no quoting in analysts' SQL. Plugins still quote it when they build statements.
 */
export const sqlIdentifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier: letters, digits and _, starting with a letter or _');
