import fs from 'node:fs';
import path from 'node:path';
import type postgresClient from 'postgres';
import { z } from 'zod';
import duckdb from '../../plugins/duckdb/index.ts';
import postgres from '../../plugins/postgres/index.ts';
import { defineDestination, RetryableError, type DestinationConnection, type DestinationDefinition } from '@tributary/destination-sdk';
import { queryDuckdb } from './duckdb.ts';
import type { WarehouseRow } from './exactness-model.ts';

/**
 * Real DuckDB and Postgres destinations whose syncs can be made to fail on demand, and readers of
 * what they hold, for the model-based sync tests.
 */

/**
 * Where an injected failure happens: before connecting, while the rows stream in (before the
 * merge), or after a load's merge committed (the confirmation lost: the warehouse changed).
 */
export type FaultMode = 'connect' | 'load' | 'merged';

/** Faults switched on, by the `faultTag` of a destination's config. */
export const faults = new Map<string, FaultMode>();

/**
 * Called once, by `faultTag`, in the middle of a load: after its first batch was read from the
 * store and handed to the warehouse, before the rest and the merge (tests commit changes there
 * that the load's read cannot see).
 */
export const loadHooks = new Map<string, () => Promise<void>>();

/**
 * The real plugin `inner` under another id, with one more config field, `faultTag`: while
 * `faults` holds that tag, each attempt fails with a retryable error (at connect, after the
 * first batch of rows was staged, or after the merge committed), and `loadHooks` runs in the
 * middle of its next load.
 */
function switchable(inner: DestinationDefinition, id: string): DestinationDefinition {
  return defineDestination({
    ...inner,
    id,
    displayName: `${inner.displayName} (failures on demand, tests)`,
    config: inner.config.safeExtend({ faultTag: z.string().min(1).describe('Name under which tests switch failures on') }),
    async connect(config, ctx) {
      const { faultTag, ...innerConfig } = config as { faultTag: string } & Record<string, unknown>;
      if (faults.get(faultTag) === 'connect') throw new RetryableError('injected failure at connect');
      const connection: DestinationConnection = await inner.connect(innerConfig, ctx);
      const feed = <T>(source: AsyncIterable<T>) => withHook(faults.get(faultTag) === 'load' ? failAfterFirst(source) : source, faultTag);
      const confirmed = async <R>(result: Promise<R>): Promise<R> => {
        const merged = await result;
        if (faults.get(faultTag) === 'merged') throw new RetryableError('injected failure after the merge committed');
        return merged;
      };
      return {
        check: () => connection.check(),
        ensureTables: () => connection.ensureTables(),
        loadEvents: (batches) => confirmed(connection.loadEvents(feed(batches))),
        ...(connection.loadEventsCopyText
          ? { loadEventsCopyText: (chunks) => confirmed(connection.loadEventsCopyText!(feed(chunks))) }
          : {}),
        replaceDefinitions: (tables) => connection.replaceDefinitions(tables),
        close: () => connection.close(),
      };
    },
  });
}

async function* withHook<T>(source: AsyncIterable<T>, tag: string): AsyncIterable<T> {
  let first = true;
  for await (const item of source) {
    yield item;
    const hook = first ? loadHooks.get(tag) : undefined;
    first = false;
    if (hook) {
      loadHooks.delete(tag);
      await hook();
    }
  }
}

async function* failAfterFirst<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  for await (const item of source) {
    yield item;
    break;
  }
  throw new RetryableError('injected failure while loading');
}

export const switchableDuckdb = switchable(duckdb as DestinationDefinition, 'switchable-duckdb');
export const switchablePostgres = switchable(postgres as DestinationDefinition, 'switchable-postgres');

/**
 * The one place that knows how a DuckDB destination names its file: the config to give and the
 * file to read back.
 */
export function duckdbDestinationFile(filesDir: string, name: string): { config: Record<string, unknown>; file: string } {
  // destination files are named relative to the server's files folder (TRIBUTARY_DESTINATION_FILES_DIR)
  return { config: { path: `${name}.duckdb` }, file: path.join(filesDir, `${name}.duckdb`) };
}

interface RawRow {
  event_id: string;
  event_type: string | null;
  t: string;
  device_id: string;
  session_id: string | null;
  view_id: string | null;
  ep: string | null;
  sp: string | null;
}

function toWarehouseRow(raw: RawRow): WarehouseRow {
  const ep = raw.ep === null ? null : (JSON.parse(raw.ep) as Record<string, any>);
  const sp = raw.sp === null ? null : (JSON.parse(raw.sp) as Record<string, any>);
  // navigate and click keep extra properties at the root, custom under `properties`, identify under `user_properties`
  const marker = ep?.marker ?? ep?.properties?.marker ?? ep?.user_properties?.marker ?? null;
  return {
    eventId: raw.event_id,
    eventType: raw.event_type,
    time: Number(raw.t),
    device: raw.device_id,
    session: raw.session_id,
    view: raw.view_id,
    marker,
    url: sp?.url?.full_url ?? null,
    title: sp?.title ?? null,
    pageDefinitionId: sp?.page_definition_id ?? null,
    propertiesNull: ep === null,
  };
}

/** Every row of a DuckDB destination's `events` (none before its first load). */
export async function readDuckdbEvents(file: string): Promise<WarehouseRow[]> {
  if (!fs.existsSync(file)) return [];
  const tables = await queryDuckdb(file, `select 1 from information_schema.tables where table_name = 'events'`);
  if (tables.length === 0) return [];
  const rows = await queryDuckdb<RawRow>(
    file,
    `select event_id, event_type, epoch_ms(event_time)::varchar as t, device_id::varchar as device_id, session_id::varchar as session_id,
       view_id::varchar as view_id, event_properties::varchar as ep, source_properties::varchar as sp from events`,
  );
  return rows.map(toWarehouseRow);
}

/** Every row of a Postgres destination's `events` in `schema` (none before its first load); `warehouse` is a client of its database. */
export async function readPostgresEvents(warehouse: postgresClient.Sql, schema: string): Promise<WarehouseRow[]> {
  const [exists] = await warehouse<{ t: string | null }[]>`select to_regclass(${`${schema}.events`})::text as t`;
  if (!exists?.t) return [];
  const rows = await warehouse.unsafe<RawRow[]>(
    `select event_id, event_type, (extract(epoch from event_time) * 1000)::bigint::text as t, device_id::text, session_id::text,
       view_id::text, event_properties::text as ep, source_properties::text as sp from ${schema}.events`,
  );
  return rows.map(toWarehouseRow);
}
