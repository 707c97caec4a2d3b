import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import {
  contractEvent,
  runDestinationContract,
  storedDefinitionRowFromMicros,
  storedEventRowFromMicros,
  tombstoneOf,
} from '@tributary/destination-sdk/testing';
import { parseDestinationConfig, silentLogger } from '@tributary/destination-sdk';
import type { DefinitionTable } from '@tributary/destination-sdk';
import duckdbDestination from '../../plugins/duckdb/index.ts';
import type { DuckdbDestinationConfig } from '../../plugins/duckdb/index.ts';

const folder = mkdtempSync(join(tmpdir(), 'tributary-duckdb-'));
// a folder whose name looks like a database file
const folderNamedLikeAFile = join(folder, 'folder.duckdb');
mkdirSync(folderNamedLikeAFile);
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
    return rows.map(storedEventRowFromMicros);
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
    return rows.map(storedDefinitionRowFromMicros);
  },
  // Larger than the plugin's 50,000-row merge segment, so a load spans several segments.
  largeLoad: { rows: 120_000, batchSize: 5_000 },
  failures: [
    { name: 'the folder does not exist', config: () => ({ path: join(folder, 'missing', 'w.duckdb') }), expect: 'config' },
    { name: 'the path is a folder', config: () => ({ path: folderNamedLikeAFile }), expect: 'config' },
  ],
});

describe('duckdb destination tables created by version 1.0', () => {
  it('rebuilds events without its primary key, keeping the rows, and merges into it', async () => {
    const config = parseDestinationConfig(duckdbDestination, { path: join(folder, 'v1.duckdb') });
    // the 1.0 layout: events keyed by event_id
    const instance = await DuckDBInstance.create(config.path);
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE events (event_id VARCHAR PRIMARY KEY, event_time TIMESTAMPTZ NOT NULL,
      processed_time TIMESTAMPTZ NOT NULL, updated_time TIMESTAMPTZ NOT NULL, device_id BIGINT NOT NULL, session_id BIGINT,
      view_id BIGINT, event_type VARCHAR, event_properties JSON, source_type VARCHAR NOT NULL, source_properties JSON)`);
    await connection.run(`INSERT INTO events VALUES ('${contractEvent(0).event_id}', '2026-11-26 10:00:00+00', '2026-11-26 10:00:01+00',
      '2026-11-26 11:00:00+00', 7, NULL, NULL, 'click', '{}', 'web', '{}')`);
    connection.closeSync();
    instance.closeSync();

    const destination = await duckdbDestination.connect(config, { logger: silentLogger });
    try {
      await destination.ensureTables();
      const tombstone = tombstoneOf(contractEvent(0), '2027-01-01T00:00:00.000000Z');
      await destination.loadEvents(
        (async function* () {
          yield [tombstone, contractEvent(1)];
        })(),
      );
    } finally {
      await destination.close();
    }
    const keys = await query(
      config,
      `SELECT count(*)::INTEGER AS n FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'PRIMARY KEY'`,
    );
    expect(keys[0]?.n).toBe(0);
    const rows = await query(config, `SELECT event_id, event_type, device_id::VARCHAR AS device_id FROM events ORDER BY event_id`);
    expect(rows).toEqual([
      { event_id: contractEvent(0).event_id, event_type: null, device_id: contractEvent(0).device_id },
      { event_id: contractEvent(1).event_id, event_type: contractEvent(1).event_type, device_id: contractEvent(1).device_id },
    ]);
    const notNull = await query(
      config,
      `SELECT count(*)::INTEGER AS n FROM duckdb_constraints() WHERE table_name = 'events' AND constraint_type = 'NOT NULL'`,
    );
    expect(notNull[0]?.n).toBe(5);
  });
});
