import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  configJsonSchema,
  secretFieldNames,
  targetFields,
  validateDestinationDefinition,
  type DestinationDefinition,
  type TargetField,
} from '@tributary/destination-sdk';
import bigquery from '../../plugins/bigquery/index.ts';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import redshift from '../../plugins/redshift/index.ts';
import snowflake from '../../plugins/snowflake/index.ts';

/** One installed destination plugin, as the host and the GraphQL API see it. */
export interface InstalledPlugin {
  definition: DestinationDefinition;
  source: 'built-in' | string;
  jsonSchema: Record<string, unknown>;
  secretFields: string[];
  /**
   * The fields that say where the plugin connects and as whom: changing one drops the stored
   * secrets unless they are given again. A plugin with secrets that marks none (written before
   * `target()` existed) gets every non-secret field: the host cannot tell which ones matter.
   */
  targetFields: TargetField[];
}

export interface PluginRegistry {
  get(id: string): InstalledPlugin | undefined;
  list(): InstalledPlugin[];
  /** One line per plugin that was refused at start-up. */
  problems: string[];
}

const BUILT_INS = [postgres, duckdb, snowflake, bigquery, redshift] as DestinationDefinition[];

/**
 * Loads one entry of TRIBUTARY_PLUGINS: an npm package name, resolved from this installation's
 * node_modules, or the absolute path of a plugin package's folder (a plugin under development,
 * or installed elsewhere), loaded through its package.json `exports` entry (or `main`).
 */
export async function importPluginPackage(name: string): Promise<unknown> {
  if (!path.isAbsolute(name)) return import(name);
  const manifest = JSON.parse(await readFile(path.join(name, 'package.json'), 'utf8')) as { exports?: unknown; main?: unknown };
  return import(pathToFileURL(path.join(name, packageEntry(manifest))).href);
}

/** The file a package's `import` resolves to: its `exports` (`"."`, `import` or `default`), else `main`. */
function packageEntry(manifest: { exports?: unknown; main?: unknown }): string {
  let entry = manifest.exports;
  if (entry !== null && typeof entry === 'object' && '.' in entry) entry = (entry as Record<string, unknown>)['.'];
  while (entry !== null && typeof entry === 'object') {
    const conditions = entry as Record<string, unknown>;
    entry = conditions.import ?? conditions.node ?? conditions.default;
  }
  if (typeof entry === 'string') return entry;
  return typeof manifest.main === 'string' ? manifest.main : 'index.js';
}

/**
 * The built-in destinations plus the third-party plugins named in TRIBUTARY_PLUGINS (npm packages
 * or plugin folders, see {@link importPluginPackage}). A package
 * that fails to load, is not a valid destination, targets another API version or reuses an id
 * is refused with one clear message; the server starts with the others.
 */
export async function createPluginRegistry(
  packages: string[],
  options: { builtIns?: DestinationDefinition[]; importer?: (name: string) => Promise<unknown> } = {},
): Promise<PluginRegistry> {
  const plugins = new Map<string, InstalledPlugin>();
  const problems: string[] = [];
  const install = (definition: DestinationDefinition, source: string) => {
    if (plugins.has(definition.id)) {
      problems.push(`plugin ${source} refused: id "${definition.id}" is already used by ${plugins.get(definition.id)!.source}`);
      return;
    }
    const secretFields = secretFieldNames(definition);
    const declared = targetFields(definition);
    const fallback = declared.length === 0 && secretFields.length > 0;
    plugins.set(definition.id, {
      definition,
      source,
      jsonSchema: configJsonSchema(definition),
      secretFields,
      targetFields: fallback
        ? Object.keys(definition.config.shape)
            .filter((name) => !secretFields.includes(name))
            .map((name) => ({ name, override: false }))
        : declared,
    });
  };
  for (const definition of options.builtIns ?? BUILT_INS) install(definition, 'built-in');
  const importer = options.importer ?? importPluginPackage;
  for (const name of packages) {
    let loaded: unknown;
    try {
      loaded = await importer(name);
    } catch (error) {
      problems.push(
        `plugin ${name} refused: it could not be loaded (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      );
      continue;
    }
    const result = validateDestinationDefinition(loaded);
    if (!result.ok) problems.push(`plugin ${name} refused: ${result.error}`);
    else install(result.definition, name);
  }
  return {
    get: (id) => plugins.get(id),
    list: () => [...plugins.values()],
    problems,
  };
}
