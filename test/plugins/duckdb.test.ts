import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll } from 'vitest';
import { runDestinationContract, storedDefinitionRowFromMicros, storedEventRowFromMicros } from '../../plugins/sdk/contract.ts';
import type { DefinitionTable } from '../../plugins/sdk/index.ts';
import duckdbDestination from '../../plugins/duckdb/index.ts';
import type { DuckdbDestinationConfig } from '../../plugins/duckdb/index.ts';

const folder = mkdtempSync(join(tmpdir(), 'tributary-duckdb-'));
let files = 0;

afterAll(() => rmSync(folder, { recursive: true, force: true }));

// Opens the file only while reading, as an analyst would between syncs.
async function query(config: DuckdbDestinationConfig, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(config.path);
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const micros = (column: string) => `epoch_us(${column})::VARCHAR AS ${column}`;

runDestinationContract({
  name: 'duckdb destination',
  definition: duckdbDestination,
  config: async () => ({ path: join(folder, `warehouse-${(files += 1)}.duckdb`), schema: files % 2 ? 'main' : 'analytics' }),
  readEvents: async (config) => {
    const rows = await query(
      config,
      `SELECT event_id, ${micros('event_time')}, ${micros('processed_time')}, ${micros('updated_time')},
        device_id::VARCHAR AS device_id, session_id::VARCHAR AS session_id, view_id::VARCHAR AS view_id, event_type,
        event_properties::VARCHAR AS event_properties, source_type, source_properties::VARCHAR AS source_properties
      FROM "${config.schema}".events`,
    );
    return rows.map(
      storedEventRowFromMicros,
    );
  },
  readStagingCount: async (config) => {
    const [row] = await query(config, `SELECT count(*)::INTEGER AS n FROM "${config.schema}".raw_events`);
    return Number(row?.n);
  },
  readDefinitions: async (config, table: DefinitionTable) => {
    const rows = await query(
      config,
      `SELECT id, name, description, state, version, rule::VARCHAR AS rule, ${micros('created_time')}, created_by,
        ${micros('modified_time')}, modified_by, ${micros('updated_time')} FROM "${config.schema}"."${table}"`,
    );
    return rows.map(
      storedDefinitionRowFromMicros,
    );
  },
  // Larger than the plugin's 50,000-row merge segment, so a load spans several segments.
  largeLoad: { rows: 120_000, batchSize: 5_000 },
  failures: [
    { name: 'the folder does not exist', config: () => ({ path: join(folder, 'missing', 'w.duckdb') }), expect: 'config' },
    { name: 'the path is a folder', config: () => ({ path: folder }), expect: 'config' },
  ],
});
