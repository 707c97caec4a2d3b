/**
 * An example destination that keeps its "warehouse" as JSON-lines files in a folder: one file per
 * table. It is small on purpose, to serve as a template for a new plugin; it is not meant for
 * production (the merge reads the whole `events` file into memory).
 *
 * Copy this folder, change the id, the config and the five operations, and run the contract kit
 * (see test/example.test.ts).
 */
import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import {
  ConfigError,
  DEFINITION_TABLES,
  DESTINATION_API_VERSION,
  checkWarehouse,
  createClassifiedRunner,
  createErrorClassifier,
  defineDestination,
  loadUnlessEmpty,
} from '@tributary/destination-sdk';
import type {
  DefinitionTables,
  DestinationConnection,
  DestinationContext,
  EventRow,
  LoadOptions,
  LoadResult,
  StoredEventRow,
} from '@tributary/destination-sdk';

const exampleConfig = z.object({
  directory: z.string().min(1).describe('Existing folder that holds one .jsonl file per table'),
});

/** The parsed configuration of the example destination. */
export type ExampleDestinationConfig = z.output<typeof exampleConfig>;

/** The JSON-lines example destination. */
export const exampleDestination = defineDestination({
  id: 'example-jsonl',
  displayName: 'JSON lines (example)',
  version: '0.1.0',
  apiVersion: DESTINATION_API_VERSION,
  capabilities: { deleteDevices: true },
  description: 'Writes each warehouse table as a JSON-lines file in a local folder. A template for new plugins.',
  config: exampleConfig,
  connect: async (config, ctx) => createExampleConnection(config, ctx),
});

export default exampleDestination;

/** The path of one table's file. */
export function tableFile(config: ExampleDestinationConfig, table: string): string {
  return join(config.directory, `${table}.jsonl`);
}

/** The warehouse clock of this destination, in the SDK's time format. */
function warehouseNow(): string {
  return new Date().toISOString().replace('Z', '000Z');
}

// Plugins classify, the host retries: a missing folder is the user's configuration, missing
// permissions need a human, anything else (disk full, too many open files) may pass.
const classifyFileError = createErrorClassifier({
  rules: (err) => {
    const code = (err as { code?: unknown } | null)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'config';
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return 'permanent';
    return 'retryable';
  },
});

function createExampleConnection(config: ExampleDestinationConfig, ctx: DestinationContext): DestinationConnection {
  const file = (table: string) => tableFile(config, table);

  // Every operation: not started once the host aborts, and whatever it throws leaves classified.
  const classified = createClassifiedRunner(classifyFileError, ctx.signal);

  // Every file operation is one "statement" sent to this warehouse.
  function statement(description: string): void {
    ctx.onStatement?.(description);
  }

  async function requireDirectory(): Promise<void> {
    statement(`stat ${config.directory}`);
    const info = await stat(config.directory);
    if (!info.isDirectory()) throw new ConfigError(`${config.directory} is not a folder`);
  }

  async function createTables(): Promise<void> {
    for (const table of ['events', 'raw_events', ...DEFINITION_TABLES]) {
      statement(`create ${table}`);
      // Flag 'a' creates a missing file and leaves an existing one untouched.
      await appendFile(file(table), '');
    }
  }

  async function ensureTables(): Promise<void> {
    await classified('creating tables', async () => {
      await requireDirectory();
      await createTables();
    });
  }

  function loadEvents(batches: AsyncIterable<EventRow[]>, options: LoadOptions = {}): Promise<LoadResult> {
    return loadUnlessEmpty(
      batches,
      async (nonEmpty) => {
        return await classified('loading events', async () => {
          statement('truncate raw_events');
          await writeFile(file('raw_events'), '');
          let rowsStaged = 0;
          let bytes = 0;
          for await (const batch of nonEmpty) {
            const text = batch.map((row) => JSON.stringify(row)).join('\n') + '\n';
            statement('append raw_events');
            await appendFile(file('raw_events'), text);
            rowsStaged += batch.length;
            bytes += Buffer.byteLength(text);
          }
          const { merged: rowsMerged, deleted } = await mergeStaging(new Set(options.deleteDeviceIds ?? []));
          statement('truncate raw_events');
          await writeFile(file('raw_events'), '');
          return { rowsStaged, rowsMerged, bytes, ...(options.deleteDeviceIds?.length ? { rowsDeleted: deleted } : {}) };
        });
      },
      options,
    );
  }

  /** Deletes the rows of `deleteDevices` (deletion requests come first), then merges staging. */
  async function mergeStaging(deleteDevices: Set<string>): Promise<{ merged: number; deleted: number }> {
    statement('read events');
    const events = new Map<string, StoredEventRow>();
    let deleted = 0;
    for (const line of (await readFile(file('events'), 'utf8')).split('\n')) {
      if (line) {
        const row = JSON.parse(line) as StoredEventRow;
        if (deleteDevices.has(row.device_id)) deleted++;
        else events.set(row.event_id, row);
      }
    }
    const now = warehouseNow();
    // The latest staged version of each event_id, and whether the load holds a live one.
    const latest = new Map<string, { row: EventRow; hasLive: boolean }>();
    statement('read raw_events');
    const staged = createInterface({ input: createReadStream(file('raw_events'), 'utf8'), crlfDelay: Infinity });
    for await (const line of staged) {
      if (!line) continue;
      const row = JSON.parse(line) as EventRow;
      const seen = latest.get(row.event_id);
      const hasLive = (seen?.hasLive ?? false) || row.event_type !== null;
      latest.set(row.event_id, { row: !seen || seen.row.processed_time < row.processed_time ? row : seen.row, hasLive });
    }
    const written = new Set<string>();
    for (const [id, { row, hasLive }] of latest) {
      const current = events.get(id);
      if (current && current.processed_time >= row.processed_time) continue;
      // a tombstone applies only to a row this warehouse holds, or one loaded live with it
      if (!current && !hasLive) continue;
      events.set(id, { ...row, updated_time: now });
      written.add(id);
    }
    if (written.size === 0 && deleted === 0) return { merged: 0, deleted };
    // Writing a new file and renaming it over the old one is this warehouse's transaction.
    statement('write events');
    const text = [...events.values()].map((row) => JSON.stringify(row) + '\n').join('');
    await writeFile(`${file('events')}.tmp`, text);
    await rename(`${file('events')}.tmp`, file('events'));
    return { merged: written.size, deleted };
  }

  async function replaceDefinitions(tables: DefinitionTables): Promise<void> {
    await classified('replacing definitions', async () => {
      const now = warehouseNow();
      for (const table of DEFINITION_TABLES) {
        statement(`replace ${table}`);
        const text = tables[table].map((row) => JSON.stringify({ ...row, updated_time: now }) + '\n').join('');
        await writeFile(`${file(table)}.tmp`, text);
        await rename(`${file(table)}.tmp`, file(table));
      }
    });
  }

  // The SDK runs the standard steps (connect, create tables, write, read back, clean up) around
  // a probe row; the plugin says how each is done here.
  function check() {
    const stagedRows = async () => (await readFile(file('raw_events'), 'utf8')).split('\n').filter(Boolean);
    const isProbe = (line: string, eventId: string) => (JSON.parse(line) as EventRow).event_id === eventId;
    return checkWarehouse(
      {
        connect: async () => (await requireDirectory(), `folder ${config.directory} exists`),
        createTables: async () => (await createTables(), 'one .jsonl file per table exists'),
        writeProbe: async (row) => {
          statement('append raw_events');
          await appendFile(file('raw_events'), JSON.stringify(row) + '\n');
        },
        countProbe: async (eventId) => {
          statement('read raw_events');
          return (await stagedRows()).filter((line) => isProbe(line, eventId)).length;
        },
        deleteProbe: async (eventId) => {
          statement('write raw_events');
          const kept = (await stagedRows()).filter((line) => !isProbe(line, eventId));
          await writeFile(file('raw_events'), kept.map((line) => line + '\n').join(''));
        },
      },
      classified,
    );
  }

  async function close(): Promise<void> {
    // Nothing stays open between operations.
  }

  return { check, ensureTables, loadEvents, replaceDefinitions, close };
}

/** Creates the folder of a config (for tests and demos). */
export async function createExampleWarehouse(config: ExampleDestinationConfig): Promise<void> {
  await mkdir(config.directory, { recursive: true });
}
