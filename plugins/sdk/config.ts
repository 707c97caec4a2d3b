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

/** True when a schema (possibly wrapped in optional/nullable/default) was marked with {@link secret}. */
export function isSecretSchema(schema: z.ZodType): boolean {
  let current: unknown = schema;
  for (let depth = 0; depth < 10 && current; depth += 1) {
    const candidate = current as z.ZodType;
    if (candidate.meta?.()?.secret === true) return true;
    const def = (candidate as { _zod?: { def?: { innerType?: unknown } } })._zod?.def;
    current = def?.innerType;
  }
  return false;
}

/** Names of the top-level config fields marked with {@link secret}. */
export function secretFieldNames(def: { config: z.ZodObject }): string[] {
  return Object.entries(def.config.shape)
    .filter(([, field]) => isSecretSchema(field as z.ZodType))
    .map(([name]) => name);
}

/**
 * The JSON Schema (draft 2020-12) of a destination's config, for frontends. It describes the
 * input (defaults make fields optional); `.describe()` texts become `description`; secret fields
 * carry `"writeOnly": true` and `"x-secret": true`.
 */
export function configJsonSchema(def: { config: z.ZodObject }): Record<string, unknown> {
  return z.toJSONSchema(def.config, {
    io: 'input',
    unrepresentable: 'any',
    override: (ctx) => {
      const json = ctx.jsonSchema as Record<string, unknown>;
      if (json.secret === true || isSecretSchema(ctx.zodSchema as unknown as z.ZodType)) {
        delete json.secret;
        json.writeOnly = true;
        json['x-secret'] = true;
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
