/**
 * The destination contract test kit. A plugin's test file calls {@link runDestinationContract}
 * and vitest runs every behaviour the host relies on (tables, merge, tombstones, staging, empty
 * loads, failures, check) against the real warehouse or a protocol fake. Import it from a test file only: it imports vitest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { silentLogger } from './check.ts';
import { configJsonSchema } from './config.ts';
import { parseDestinationConfig, validateDestinationDefinition } from './define.ts';
import type { DestinationConnection, DestinationDefinition, LoadOptions, LoadResult } from './define.ts';
import { classifyError } from './errors.ts';
import type { ErrorKind } from './errors.ts';
import { encodeCopyText } from './copy-text.ts';
import { DEFINITION_TABLES } from './rows.ts';
import type { DefinitionRow, DefinitionTable, DefinitionTables, EventRow, StoredEventRow } from './rows.ts';

/** A definition row as read back, with the `updated_time` the warehouse set. */
export type StoredDefinitionRow = DefinitionRow & { updated_time: string };

/** A config that must make the plugin fail with a given classification. */
export interface ContractFailureCase<TInput> {
  /** Shown in the test name, e.g. `closed port`. */
  name: string;
  /** The raw (unparsed) config. */
  config: () => Promise<TInput> | TInput;
  /** The classification `classifyError` must give to what `ensureTables` throws. */
  expect: ErrorKind;
}

/**
 * Options of {@link runDestinationContract}. The readers are called only while no connection of
 * the plugin is open (the kit closes it first), so file-based warehouses can be opened by them.
 * Readers return values in the SDK's text forms: times as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC),
 * int64 as decimal strings, JSON as text (compared after parsing, so key order and spacing do
 * not matter).
 */
export interface DestinationContractOptions<TConfig extends z.ZodObject> {
  /** Name of the describe block. */
  name: string;
  /** The plugin under test. */
  definition: DestinationDefinition<TConfig>;
  /** When a string, every test is skipped and the string says why (e.g. no database). */
  skip?: string | false;
  /** A fresh, isolated raw config (a new schema, database file, folder…) for one test. */
  config: () => Promise<z.input<TConfig>>;
  /** Removes what a config from `config()` created; run after all tests. */
  cleanup?: (config: z.output<TConfig>) => Promise<void>;
  /** All rows of `events`, in any order. */
  readEvents: (config: z.output<TConfig>) => Promise<StoredEventRow[]>;
  /** Number of rows in `raw_events`. */
  readStagingCount: (config: z.output<TConfig>) => Promise<number>;
  /** All rows of one lookup table, in any order. */
  readDefinitions: (config: z.output<TConfig>, table: DefinitionTable) => Promise<StoredDefinitionRow[]>;
  /** Configs that must fail with a given classification (closed port, bad credentials…). */
  failures?: ContractFailureCase<z.input<TConfig>>[];
  /**
   * Size of the large-load test; defaults to 20,000 rows in batches of 5,000. Make it larger than
   * any internal segment or buffer of the plugin, so the load crosses it.
   */
  largeLoad?: { rows: number; batchSize: number };
  /**
   * Whether the plugin offers `loadEventsCopyText`. When true the kit loads through it too and
   * checks it against `loadEvents`; when false it checks the method is really absent.
   */
  copyText?: boolean;
}

/**
 * Registers the contract tests of a destination plugin with vitest. Call it at the top level of
 * a test file.
 */
export function runDestinationContract<TConfig extends z.ZodObject>(options: DestinationContractOptions<TConfig>): void {
  const { definition } = options;
  const created: z.output<TConfig>[] = [];
  const suite = options.skip ? describe.skip : describe;
  const label = options.skip ? `${options.name} (skipped: ${options.skip})` : options.name;

  async function freshConfig(): Promise<z.output<TConfig>> {
    const config = parseDestinationConfig(definition, await options.config());
    created.push(config);
    return config;
  }

  async function withConnection<T>(
    config: z.output<TConfig>,
    work: (connection: DestinationConnection) => Promise<T>,
    onStatement?: (statement: string) => void,
  ): Promise<T> {
    const connection = await definition.connect(config, { logger: silentLogger, onStatement });
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }

  async function prepared(): Promise<z.output<TConfig>> {
    const config = await freshConfig();
    await withConnection(config, (connection) => connection.ensureTables());
    return config;
  }

  async function load(config: z.output<TConfig>, batches: EventRow[][], loadOptions?: LoadOptions): Promise<LoadResult> {
    const result = await withConnection(config, (connection) => connection.loadEvents(fromBatches(batches), loadOptions));
    expect(await options.readStagingCount(config), 'raw_events is empty after a load').toBe(0);
    return result;
  }

  async function readSorted(config: z.output<TConfig>): Promise<StoredEventRow[]> {
    const rows = await options.readEvents(config);
    return rows.map(normaliseStored).sort((a, b) => compare(a.event_id, b.event_id));
  }

  suite(label, () => {
    afterAll(async () => {
      if (options.cleanup) for (const config of created) await options.cleanup(config);
    });

    it('has a valid definition and a JSON Schema for its config', () => {
      const validation = validateDestinationDefinition(definition);
      expect(validation).toEqual({ ok: true, definition });
      expect(configJsonSchema(definition)).toMatchObject({ type: 'object' });
    });

    it('ensureTables creates empty tables and is idempotent', async () => {
      const config = await freshConfig();
      await withConnection(config, async (connection) => {
        await connection.ensureTables();
        await connection.ensureTables();
      });
      await withConnection(config, (connection) => connection.ensureTables());
      expect(await options.readEvents(config)).toEqual([]);
      expect(await options.readStagingCount(config)).toBe(0);
      for (const table of DEFINITION_TABLES) expect(await options.readDefinitions(config, table)).toEqual([]);
    });

    it('loads rows exactly, and re-loading the same rows changes nothing', async () => {
      const config = await prepared();
      const rows = Array.from({ length: 60 }, (_, i) => contractEvent(i));
      const first = await load(config, chunk(rows, 25));
      expect(first).toMatchObject({ rowsStaged: 60, rowsMerged: 60 });
      expect(first.bytes).toBeGreaterThan(0);
      const stored = await readSorted(config);
      expect(stored.map(withoutUpdatedTime)).toEqual(rows.map(normaliseRow).sort(byEventId));
      for (const row of stored) expect(row.updated_time).toMatch(ISO_MICROS);

      await sleep(20);
      const again = await load(config, chunk(rows, 7));
      expect(again).toMatchObject({ rowsStaged: 60, rowsMerged: 0 });
      expect(await readSorted(config)).toEqual(stored);
    });

    it('reports the event_time range its merge looked in, if any, as covering every staged row', async () => {
      const config = await prepared();
      const rows = Array.from({ length: 30 }, (_, i) => contractEvent(i * 7));
      const result = await load(config, [rows]);
      if (result.mergedEventTimeRange === undefined || result.mergedEventTimeRange === null) return;
      const { from, to } = result.mergedEventTimeRange;
      expect(from, 'mergedEventTimeRange in EventRow time text').toMatch(ISO_MICROS);
      expect(to).toMatch(ISO_MICROS);
      // microsecond text compares by text within one format; the staged extremes must be inside
      const extremes = [
        rows.map((r) => r.event_time).sort()[0]!,
        rows
          .map((r) => r.event_time)
          .sort()
          .at(-1)!,
      ];
      expect(from <= extremes[0]! && to >= extremes[1]!, `${from}..${to} covers ${extremes.join('..')}`).toBe(true);
    });

    it('a later processed_time replaces a row; an equal or earlier one changes nothing', async () => {
      const config = await prepared();
      const v1 = contractEvent(1, { processed_time: '2026-11-26T10:00:00.000001Z' });
      const v2 = contractEvent(1, {
        processed_time: '2026-11-26T10:00:00.000002Z',
        event_properties: JSON.stringify({ version: 2 }),
      });
      const older = contractEvent(1, {
        processed_time: '2026-11-26T09:00:00.000000Z',
        event_properties: JSON.stringify({ version: 0 }),
      });
      const sameTime = { ...v2, event_type: 'changed-without-newer-time' };

      await load(config, [[v1]]);
      const [afterV1] = await readSorted(config);
      await sleep(20);
      expect(await load(config, [[v2]])).toMatchObject({ rowsMerged: 1 });
      const [afterV2] = await readSorted(config);
      expect(afterV2 && withoutUpdatedTime(afterV2)).toEqual(normaliseRow(v2));
      expect(afterV2!.updated_time > afterV1!.updated_time, 'updated_time moves forward on update').toBe(true);

      expect(await load(config, [[older]])).toMatchObject({ rowsMerged: 0 });
      expect(await load(config, [[sameTime]])).toMatchObject({ rowsMerged: 0 });
      expect(await readSorted(config)).toEqual([afterV2]);
    });

    it('applies a tombstone only to a row it holds or loads live with it', async () => {
      const config = await prepared();
      const unknown = tombstoneOf(contractEvent(7), '2026-11-26T12:00:00.000000Z');
      expect(await load(config, [[unknown]])).toMatchObject({ rowsMerged: 0 });
      expect(await readSorted(config), 'a tombstone of a row never received inserts nothing').toEqual([]);
      const live = contractEvent(8);
      const itsTombstone = tombstoneOf(live, '2026-11-26T12:00:00.000000Z');
      await load(config, [[itsTombstone], [live]]);
      const stored = await readSorted(config);
      expect(stored.map(withoutUpdatedTime), 'a row loaded live with its tombstone ends as the tombstone').toEqual([
        normaliseRow(itsTombstone),
      ]);
    });

    it('a later tombstone overwrites a live row', async () => {
      const config = await prepared();
      const live = contractEvent(5);
      const tombstone = tombstoneOf(live, '2026-11-26T12:00:00.000000Z');
      await load(config, [[live, contractEvent(6)]]);
      expect(await load(config, [[tombstone]])).toMatchObject({ rowsMerged: 1 });
      const stored = await readSorted(config);
      expect(stored.map(withoutUpdatedTime)).toEqual([normaliseRow(tombstone), normaliseRow(contractEvent(6))]);
    });

    const deletes = definition.capabilities?.deleteDevices === true;
    it.runIf(deletes)('deletes every row of the devices a load names, before merging its own rows', async () => {
      const config = await prepared();
      const rows = Array.from({ length: 30 }, (_, i) => contractEvent(i));
      await load(config, [rows]);
      const [gone, other] = [contractEvent(0).device_id, contractEvent(1).device_id];
      // a row of the deleted device in the same load was captured after the request: it stays
      const after = contractEvent(300, { device_id: gone });
      const result = await load(config, [[after, contractEvent(100)]], { deleteDeviceIds: [gone] });
      const expected = [...rows.filter((r) => r.device_id !== gone), after, contractEvent(100)].map(normaliseRow).sort(byEventId);
      expect((await readSorted(config)).map(withoutUpdatedTime)).toEqual(expected);
      if (result.rowsDeleted !== undefined) expect(result.rowsDeleted).toBe(rows.filter((r) => r.device_id === gone).length);
      // with no rows to load, a deletion still runs (and is seen by onStatement); again, it changes nothing more
      const statements: string[] = [];
      await withConnection(
        config,
        (connection) => connection.loadEvents(fromBatches([]), { deleteDeviceIds: [other] }),
        (s) => statements.push(s),
      );
      expect(statements.length).toBeGreaterThan(0);
      const left = expected.filter((r) => r.device_id !== other);
      expect((await readSorted(config)).map(withoutUpdatedTime)).toEqual(left);
      await load(config, [], { deleteDeviceIds: [other, gone] });
      expect((await readSorted(config)).map(withoutUpdatedTime).filter((r) => r.device_id !== gone)).toEqual(
        left.filter((r) => r.device_id !== gone),
      );
    });

    it('an empty load sends the warehouse nothing', async () => {
      const config = await prepared();
      const statements: string[] = [];
      const result = await withConnection(
        config,
        async (connection) => {
          const none = await connection.loadEvents(fromBatches([]));
          const emptyBatches = await connection.loadEvents(fromBatches([[], [], []]));
          return [none, emptyBatches];
        },
        (statement) => statements.push(statement),
      );
      expect(result).toEqual([
        { rowsStaged: 0, rowsMerged: 0, bytes: 0 },
        { rowsStaged: 0, rowsMerged: 0, bytes: 0 },
      ]);
      expect(statements).toEqual([]);
      // The same hook must see a real load, or the assertion above proves nothing.
      await withConnection(
        config,
        (connection) => connection.loadEvents(fromBatches([[contractEvent(1)]])),
        (statement) => statements.push(statement),
      );
      expect(statements.length).toBeGreaterThan(0);
    });

    it('a failed load changes nothing and the next load clears its leftovers', async () => {
      const config = await prepared();
      await load(config, [[contractEvent(1)]]);
      const before = await readSorted(config);
      async function* failing(): AsyncGenerator<EventRow[]> {
        yield [contractEvent(1, { processed_time: '2027-01-01T00:00:00.000000Z' }), contractEvent(2)];
        throw new Error('source failed mid-window');
      }
      await expect(withConnection(config, (connection) => connection.loadEvents(failing()))).rejects.toThrow();
      expect(await readSorted(config)).toEqual(before);
      await load(config, [[contractEvent(3)]]);
      expect((await readSorted(config)).map((row) => row.event_id)).toEqual([contractEventId(1), contractEventId(3)]);
    });

    it('replaceDefinitions rewrites each lookup table to exactly the given rows', async () => {
      const config = await prepared();
      const first: DefinitionTables = {
        event_definitions: [contractDefinition('ev-1'), contractDefinition('ev-2')],
        page_definitions: [contractDefinition('pg-1')],
        element_definitions: [contractDefinition('el-1'), contractDefinition('el-2'), contractDefinition('el-3')],
      };
      await withConnection(config, (connection) => connection.replaceDefinitions(first));
      for (const table of DEFINITION_TABLES) {
        const stored = await readDefinitionsSorted(config, table);
        expect(stored.map(withoutUpdatedTime)).toEqual(first[table].map(normaliseDefinition));
        for (const row of stored) expect(row.updated_time).toMatch(ISO_MICROS);
      }
      const second: DefinitionTables = {
        event_definitions: [{ ...contractDefinition('ev-2'), name: 'Renamed', state: 'archived', version: 2 }],
        page_definitions: [],
        element_definitions: [contractDefinition('el-3'), contractDefinition('el-4')],
      };
      await withConnection(config, (connection) => connection.replaceDefinitions(second));
      for (const table of DEFINITION_TABLES) {
        const stored = await readDefinitionsSorted(config, table);
        expect(stored.map(withoutUpdatedTime)).toEqual(second[table].map(normaliseDefinition));
      }
    });

    it('check passes every step on a working destination', async () => {
      const config = await freshConfig();
      const steps = await withConnection(config, (connection) => connection.check());
      expect(steps.length).toBeGreaterThanOrEqual(3);
      for (const step of steps) {
        expect(step, step.message).toMatchObject({ ok: true, skipped: false });
        expect(step.durationMs).toBeGreaterThanOrEqual(0);
      }
      expect(await options.readStagingCount(config)).toBe(0);
      expect(await options.readEvents(config)).toEqual([]);
    });

    for (const failure of options.failures ?? []) {
      it(`classifies a failure as ${failure.expect}: ${failure.name}`, async () => {
        const config = parseDestinationConfig(definition, await failure.config());
        const error = await withConnection(config, (connection) => connection.ensureTables()).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error, 'ensureTables must fail').toBeInstanceOf(Error);
        expect(classifyError(error), String(error)).toBe(failure.expect);
        expect((error as { kind?: unknown }).kind, 'plugins throw the SDK error classes').toBe(failure.expect);

        const steps = await withConnection(config, (connection) => connection.check());
        const failed = steps.findIndex((step) => !step.ok);
        expect(failed, 'check reports the failing step').toBeGreaterThanOrEqual(0);
        expect(steps[failed]).toMatchObject({ ok: false, skipped: false });
        expect(steps[failed]!.message).toContain(failure.expect);
        for (const later of steps.slice(failed + 1)) expect(later).toMatchObject({ ok: false, skipped: true });
      });
    }

    it('converges to the same content whatever the batching, order and duplicates', async () => {
      const versions = convergenceVersions();
      const expected = latestPerEventId(versions).map(normaliseRow).sort(byEventId);
      const random = seededRandom(42);
      const shuffle = (rows: EventRow[]) => [...rows].sort(() => random() - 0.5);
      // The host sends the versions of a row in processed_time order across loads (a later
      // window holds only newer versions); within a load, order and duplicates are free.
      const ascending = [...versions].sort((a, b) =>
        a.processed_time < b.processed_time ? -1 : a.processed_time > b.processed_time ? 1 : 0,
      );
      const generation = (test: (row: EventRow) => boolean) => shuffle(versions.filter(test));
      const plans: EventRow[][][][] = [
        [[versions]],
        [chunk(shuffle(ascending.slice(0, 45)), 7), chunk(shuffle(ascending.slice(45)), 11)],
        [
          chunk(
            generation((r) => r.processed_time < '2026-11-26T12'),
            15,
          ).map((rows) => rows),
          [generation((r) => r.processed_time.startsWith('2026-11-26T12'))],
          generation((r) => r.event_type === null).map((row) => [row]),
        ],
        [
          chunk(shuffle([...ascending.slice(0, 45), ...ascending.slice(0, 45)]), 13),
          chunk(shuffle([...ascending.slice(45), ...ascending.slice(45)]), 13),
        ],
      ];
      const contents: StoredEventRow[][] = [];
      for (const loads of plans) {
        const config = await prepared();
        for (const batches of loads) await load(config, batches);
        contents.push((await readSorted(config)).map(withoutUpdatedTime) as StoredEventRow[]);
      }
      for (const content of contents) expect(content).toEqual(expected);
    });

    it(options.copyText ? 'loads COPY text (loadEventsCopyText) exactly like row batches' : 'offers no loadEventsCopyText', async () => {
      const config = await prepared();
      const offered = await withConnection(config, async (connection) => typeof connection.loadEventsCopyText === 'function');
      expect(offered, 'copyText: true in the kit options if and only if the plugin offers loadEventsCopyText').toBe(
        options.copyText === true,
      );
      if (!offered) return;
      // The convergence plans again, through COPY text, with Postgres' own timestamp form mixed in.
      const versions = convergenceVersions();
      const expected = latestPerEventId(versions).map(normaliseRow).sort(byEventId);
      const postgresTimes = (row: EventRow): EventRow => ({
        ...row,
        event_time: row.event_time.replace('T', ' ').replace('Z', '+00'),
        processed_time: row.processed_time.replace('T', ' ').replace('Z', '+00'),
      });
      for (const chunks of [[versions], chunk([...versions, ...versions].map(postgresTimes), 9)]) {
        const fresh = await prepared();
        const result = await withConnection(fresh, (connection) =>
          connection.loadEventsCopyText!(
            (async function* () {
              for (const rows of chunks) yield encodeCopyText(rows);
              yield { text: Buffer.alloc(0), rows: 0 };
            })(),
          ),
        );
        expect(result.rowsStaged).toBe(chunks.flat().length);
        expect(await options.readStagingCount(fresh), 'raw_events is empty after a load').toBe(0);
        expect((await readSorted(fresh)).map(withoutUpdatedTime)).toEqual(expected);
      }
      const empty = await withConnection(config, (connection) => connection.loadEventsCopyText!((async function* () {})()));
      expect(empty).toEqual({ rowsStaged: 0, rowsMerged: 0, bytes: 0 });
    });

    it('loads a large window streamed in several batches, keeping the latest version across them', async () => {
      const { rows, batchSize } = options.largeLoad ?? { rows: 20_000, batchSize: 5_000 };
      const config = await prepared();
      const lateTombstone = tombstoneOf(contractEvent(0), '2027-01-01T00:00:00.000000Z');
      const staleCopy = contractEvent(1, { processed_time: '2020-01-01T00:00:00.000000Z', event_type: 'stale' });
      async function* window(): AsyncGenerator<EventRow[]> {
        yield* generatedBatches(rows, batchSize);
        yield [lateTombstone, staleCopy];
      }
      const result = await withConnection(config, (connection) => connection.loadEvents(window()));
      expect(result.rowsStaged).toBe(rows + 2);
      // A plugin merging in segments may count the tombstone's insert and update separately.
      expect(result.rowsMerged).toBeGreaterThanOrEqual(rows);
      expect(result.rowsMerged).toBeLessThanOrEqual(rows + 1);
      expect(await options.readStagingCount(config)).toBe(0);
      const stored = await options.readEvents(config);
      expect(stored.length).toBe(rows);
      const byId = new Map(stored.map((row) => [row.event_id, row]));
      const expected = [lateTombstone, contractEvent(1), contractEvent(Math.floor(rows / 2)), contractEvent(rows - 1)];
      for (const row of expected) {
        const found = byId.get(row.event_id);
        expect(found && withoutUpdatedTime(normaliseStored(found))).toEqual(normaliseRow(row));
      }
    });
  });

  async function readDefinitionsSorted(config: z.output<TConfig>, table: DefinitionTable): Promise<StoredDefinitionRow[]> {
    const rows = await options.readDefinitions(config, table);
    return rows.map((row) => ({ ...normaliseDefinition(row), updated_time: row.updated_time })).sort((a, b) => compare(a.id, b.id));
  }
}

/** Matches the SDK's time format, e.g. `2026-11-26T10:00:00.123456Z`. */
export const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/**
 * Formats microseconds since the Unix epoch (as returned by e.g. DuckDB's `epoch_us`) in the
 * SDK's time format. Handy for readers.
 */
export function isoFromEpochMicros(micros: bigint | number | string): string {
  const value = BigInt(micros);
  const millis = value / 1000n - (value % 1000n < 0n ? 1n : 0n);
  const fraction = ((value % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return `${new Date(Number(millis)).toISOString().slice(0, 19)}.${fraction.toString().padStart(6, '0')}Z`;
}

const textOrNull = (value: unknown) => (value === null || value === undefined ? null : String(value));

/**
 * A warehouse `events` row read back with its times as microseconds since the epoch (e.g.
 * `epoch_us(event_time)`), in the kit's {@link StoredEventRow} shape. Handy for `readEvents`.
 */
export function storedEventRowFromMicros(row: Record<string, unknown>): StoredEventRow {
  return {
    event_id: String(row.event_id),
    event_time: isoFromEpochMicros(String(row.event_time)),
    processed_time: isoFromEpochMicros(String(row.processed_time)),
    updated_time: isoFromEpochMicros(String(row.updated_time)),
    device_id: String(row.device_id),
    session_id: textOrNull(row.session_id),
    view_id: textOrNull(row.view_id),
    event_type: textOrNull(row.event_type),
    event_properties: textOrNull(row.event_properties),
    source_type: String(row.source_type),
    source_properties: textOrNull(row.source_properties),
  };
}

/** A lookup-table row read back with its times as epoch microseconds, for `readDefinitions`. */
export function storedDefinitionRowFromMicros(row: Record<string, unknown>): StoredDefinitionRow {
  return {
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
  };
}

/** The id the kit gives its i-th sample event. */
export function contractEventId(i: number): string {
  return `ev-${String(i).padStart(8, '0')}`;
}

/**
 * A realistic sample event; its text exercises escaping (tabs, newlines, backslashes, quotes,
 * non-ASCII) and its ids the int64 range.
 */
export function contractEvent(i: number, overrides: Partial<EventRow> = {}): EventRow {
  const second = String(i % 60).padStart(2, '0');
  const micros = String((i * 7919) % 1_000_000).padStart(6, '0');
  const nullIds = i % 10 === 9;
  return {
    event_id: contractEventId(i),
    event_time: `2026-11-26T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second}.${micros}Z`,
    processed_time: `2026-11-26T11:00:${second}.${micros}Z`,
    device_id: i % 3 === 0 ? '9223372036854775807' : i % 3 === 1 ? '-9223372036854775808' : String(1_000_000_007 * i),
    session_id: nullIds ? null : String(4_000_000_000_000 + i),
    view_id: nullIds ? null : String(-(i + 1)),
    event_type: ['navigate', 'click', 'custom', 'identify'][i % 4]!,
    event_properties: JSON.stringify({
      event_definition_id: `def-${i % 5}`,
      target: { text: `Buy\tnow\n"${i}" \\ café ☕`, masked: i % 2 === 0, raw_selector: 'div > a.buy' },
      amount: i * 1.5,
      tags: ['a', 'b'],
    }),
    source_type: ['web', 'mobile_app', 'server'][i % 3]!,
    source_properties: JSON.stringify({ url: { full_url: `https://shop.example/p/${i}?q=1&r=ü`, path: `/p/${i}` }, origin: 'dom' }),
    ...overrides,
  };
}

/** The tombstone of a row: same ids and times, no type or payload, a later `processed_time`. */
export function tombstoneOf(row: EventRow, processedTime: string): EventRow {
  return { ...row, processed_time: processedTime, event_type: null, event_properties: null, source_properties: null };
}

/** A sample definition row. */
export function contractDefinition(id: string): DefinitionRow {
  return {
    id,
    name: `Name of ${id} "quoted"\t`,
    description: `Description of ${id}\nsecond line`,
    state: 'active',
    version: 1,
    rule: JSON.stringify({ type: 'click', selector: `#${id}` }),
    created_time: '2026-11-01T08:00:00.000000Z',
    created_by: 'admin@example.com',
    modified_time: '2026-11-20T09:30:00.250000Z',
    modified_by: 'architect@example.com',
  };
}

/**
 * `rows` sample events in batches of `batchSize`, generated lazily so the kit itself does not
 * hold the window in memory.
 */
export async function* generatedBatches(rows: number, batchSize: number): AsyncGenerator<EventRow[]> {
  for (let start = 0; start < rows; start += batchSize) {
    const end = Math.min(rows, start + batchSize);
    yield Array.from({ length: end - start }, (_, k) => contractEvent(start + k));
  }
}

async function* fromBatches(batches: EventRow[][]): AsyncGenerator<EventRow[]> {
  for (const batch of batches) yield batch;
}

function convergenceVersions(): EventRow[] {
  const rows: EventRow[] = [];
  for (let i = 0; i < 40; i += 1) {
    const base = contractEvent(i);
    rows.push(base);
    if (i % 2 === 0) {
      rows.push(contractEvent(i, { processed_time: `2026-11-26T12:00:00.${String(i).padStart(6, '0')}Z`, event_type: 'click' }));
    }
    if (i % 5 === 0) rows.push(tombstoneOf(base, '2026-11-26T13:00:00.000000Z'));
    if (i % 7 === 0) rows.push(contractEvent(i, { processed_time: '2026-11-26T09:00:00.000000Z', event_type: 'stale' }));
  }
  return rows;
}

function latestPerEventId(rows: EventRow[]): EventRow[] {
  const latest = new Map<string, EventRow>();
  for (const row of rows) {
    const current = latest.get(row.event_id);
    if (!current || current.processed_time < row.processed_time) latest.set(row.event_id, row);
  }
  return [...latest.values()];
}

function normaliseJson(text: string | null): string | null {
  return text === null ? null : JSON.stringify(sortKeys(JSON.parse(text)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

function normaliseRow(row: EventRow): EventRow {
  return {
    event_id: row.event_id,
    event_time: row.event_time,
    processed_time: row.processed_time,
    device_id: String(row.device_id),
    session_id: row.session_id === null ? null : String(row.session_id),
    view_id: row.view_id === null ? null : String(row.view_id),
    event_type: row.event_type,
    event_properties: normaliseJson(row.event_properties),
    source_type: row.source_type,
    source_properties: normaliseJson(row.source_properties),
  };
}

function normaliseStored(row: StoredEventRow): StoredEventRow {
  return { ...normaliseRow(row), updated_time: row.updated_time };
}

function normaliseDefinition(row: DefinitionRow): DefinitionRow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    state: row.state,
    version: Number(row.version),
    rule: normaliseJson(row.rule) ?? '',
    created_time: row.created_time,
    created_by: row.created_by,
    modified_time: row.modified_time,
    modified_by: row.modified_by,
  };
}

function withoutUpdatedTime<T extends { updated_time: string }>(row: T): Omit<T, 'updated_time'> {
  const { updated_time: _ignored, ...rest } = row;
  return rest;
}

function byEventId(a: EventRow, b: EventRow): number {
  return compare(a.event_id, b.event_id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
