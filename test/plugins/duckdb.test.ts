import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll } from 'vitest';
import { isoFromEpochMicros, runDestinationContract } from '../../plugins/sdk/contract.ts';
import type { StoredDefinitionRow } from '../../plugins/sdk/contract.ts';
import type { DefinitionTable, StoredEventRow } from '../../plugins/sdk/index.ts';
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
const text = (value: unknown) => (value === null ? null : String(value));

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
      (row): StoredEventRow => ({
        event_id: String(row.event_id),
        event_time: isoFromEpochMicros(String(row.event_time)),
        processed_time: isoFromEpochMicros(String(row.processed_time)),
        updated_time: isoFromEpochMicros(String(row.updated_time)),
        device_id: String(row.device_id),
        session_id: text(row.session_id),
        view_id: text(row.view_id),
        event_type: text(row.event_type),
        event_properties: text(row.event_properties),
        source_type: String(row.source_type),
        source_properties: text(row.source_properties),
      }),
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
      (row): StoredDefinitionRow => ({
        id: String(row.id),
        name: String(row.name),
        description: String(row.description),
        state: row.state as StoredDefinitionRow['state'],
        version: Number(row.version),
        rule: String(row.rule),
        created_time: isoFromEpochMicros(String(row.created_time)),
        created_by: String(row.created_by),
        modified_time: isoFromEpochMicros(String(row.modified_time)),
        modified_by: String(row.modified_by),
        updated_time: isoFromEpochMicros(String(row.updated_time)),
      }),
    );
  },
  // Larger than the plugin's 50,000-row merge segment, so a load spans several segments.
  largeLoad: { rows: 120_000, batchSize: 5_000 },
  failures: [
    { name: 'the folder does not exist', config: () => ({ path: join(folder, 'missing', 'w.duckdb') }), expect: 'config' },
    { name: 'the path is a folder', config: () => ({ path: folder }), expect: 'config' },
  ],
});
