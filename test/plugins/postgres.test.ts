import postgres from 'postgres';
import { afterAll } from 'vitest';
import { runDestinationContract } from '@tributary/destination-sdk/testing';
import type { StoredDefinitionRow } from '@tributary/destination-sdk/testing';
import type { StoredEventRow } from '@tributary/destination-sdk';
import postgresDestination from '../../plugins/postgres/index.ts';
import type { PostgresDestinationConfig } from '../../plugins/postgres/index.ts';
import { requirement, testPostgresUrl } from '../support/requirements.ts';

const warehouseUrl = process.env.TRIBUTARY_WAREHOUSE_PG_URL ?? testPostgresUrl();
const available = requirement(
  'a Postgres for the postgres destination',
  warehouseUrl !== undefined,
  'set TRIBUTARY_WAREHOUSE_PG_URL or DATABASE_URL (a database whose name contains "test")',
);

const reader = available ? postgres(warehouseUrl!, { max: 2, onnotice: () => {} }) : undefined;
const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let schemas = 0;

afterAll(async () => {
  await reader?.end();
});

function url(change: (url: URL) => void): string {
  const parsed = new URL(warehouseUrl!);
  change(parsed);
  return parsed.toString();
}

const time = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

runDestinationContract({
  name: 'postgres destination',
  definition: postgresDestination,
  skip: available ? false : 'no Postgres configured',
  copyText: true,
  config: async () => ({ url: warehouseUrl!, schema: `tw_${runId}_${(schemas += 1)}` }),
  cleanup: async (config: PostgresDestinationConfig) => {
    await reader!`DROP SCHEMA IF EXISTS ${reader!(config.schema)} CASCADE`;
  },
  readEvents: async (config) =>
    reader!.unsafe<StoredEventRow[]>(`
      SELECT event_id, ${time('event_time')} AS event_time, ${time('processed_time')} AS processed_time,
        ${time('updated_time')} AS updated_time, device_id::text AS device_id, session_id::text AS session_id,
        view_id::text AS view_id, event_type, event_properties::text AS event_properties, source_type,
        source_properties::text AS source_properties
      FROM "${config.schema}".events`),
  readStagingCount: async (config) => {
    const [row] = await reader!`SELECT count(*)::int AS n FROM ${reader!(config.schema)}.raw_events`;
    return row!.n as number;
  },
  readDefinitions: async (config, table) =>
    reader!.unsafe<StoredDefinitionRow[]>(`
      SELECT id, name, description, state, version, rule::text AS rule, ${time('created_time')} AS created_time,
        created_by, ${time('modified_time')} AS modified_time, modified_by, ${time('updated_time')} AS updated_time
      FROM "${config.schema}"."${table}"`),
  // Larger than the plugin's 50,000-row merge segment, so a load spans several segments.
  largeLoad: { rows: 120_000, batchSize: 5_000 },
  failures: [
    {
      name: 'nothing listens on the port',
      config: () => ({ url: url((u) => (u.port = '1')), schema: 'unused' }),
      expect: 'retryable',
    },
    {
      name: 'the role does not exist',
      config: () => ({ url: url((u) => (u.username = 'tributary_no_such_role')), schema: 'unused' }),
      expect: 'permanent',
    },
    {
      name: 'the database does not exist',
      config: () => ({ url: url((u) => (u.pathname = '/tributary_no_such_db_test')), schema: 'unused' }),
      expect: 'config',
    },
  ],
});
