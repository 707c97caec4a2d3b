import { ConfigError, classifyError, errorMessage } from './errors.ts';
import type { ClassifiedRunner } from './errors.ts';
import type { CheckStep, LoadOptions, LoadResult } from './define.ts';
import type { EventRow } from './rows.ts';

/** One step for {@link runCheckSteps}: a name and a function returning a readable outcome. */
export interface CheckStepSpec {
  /** Step name, e.g. `connect`. */
  step: string;
  /** Runs the step; resolves with a short message of what was done, throws on failure. */
  run: () => Promise<string>;
}

/**
 * Runs check steps in order, timing each; stops at the first failure and reports the rest as
 * skipped. A failing step's message is prefixed with its classification, e.g.
 * `permanent: password authentication failed for user "x"`. Never throws.
 */
export async function runCheckSteps(steps: readonly CheckStepSpec[]): Promise<CheckStep[]> {
  const results: CheckStep[] = [];
  let failed = false;
  for (const { step, run } of steps) {
    if (failed) {
      results.push({ step, ok: false, skipped: true, message: 'skipped: an earlier step failed', durationMs: 0 });
      continue;
    }
    const started = performance.now();
    try {
      const message = await run();
      results.push({ step, ok: true, skipped: false, message, durationMs: performance.now() - started });
    } catch (err) {
      failed = true;
      results.push({
        step,
        ok: false,
        skipped: false,
        message: `${classifyError(err)}: ${errorMessage(err)}`,
        durationMs: performance.now() - started,
      });
    }
  }
  return results;
}

/**
 * What a warehouse does in each step of the standard check ({@link checkWarehouse}). Each returns a
 * short readable outcome where it has something to say; the SDK words the rest.
 */
export interface WarehouseProbe {
  /** `connect`: reaches the warehouse, e.g. `connected as tributary (PostgreSQL 16.4)`. */
  connect(): Promise<string>;
  /** `create schema`: creates the schema (dataset) when missing, e.g. `schema "tributary" exists`. Leave it out when the warehouse has none. */
  createSchema?(): Promise<string>;
  /** `create tables`: what `ensureTables` does. */
  createTables(): Promise<string | void>;
  /** `write`: writes the probe row into `raw_events` the way loads write (COPY, a load job, staged files). */
  writeProbe(row: EventRow): Promise<string | void>;
  /** `read back`: how many rows of `raw_events` have the probe's `event_id`. */
  countProbe(eventId: string): Promise<number>;
  /** `clean up`: deletes the probe's rows from `raw_events`. */
  deleteProbe(eventId: string): Promise<void>;
}

/** The probe row of a check: a unique `event_id`, written now, holding nothing. */
export function probeRow(): EventRow {
  const now = new Date().toISOString().replace('Z', '000Z');
  return {
    event_id: `tributary-check-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    event_time: now,
    processed_time: now,
    device_id: '0',
    session_id: null,
    view_id: null,
    event_type: null,
    event_properties: null,
    source_type: 'server',
    source_properties: null,
  };
}

/**
 * The standard `check()`: connect, create schema, create tables, write a probe row to
 * `raw_events`, read it back, delete it; each step run in `classified` (see
 * {@link createClassifiedRunner}), timed, and the rest skipped after a failure
 * ({@link runCheckSteps}). A probe row that is not read back fails as a {@link ConfigError}.
 */
export function checkWarehouse(probe: WarehouseProbe, classified: ClassifiedRunner): Promise<CheckStep[]> {
  const row = probeRow();
  const { createSchema } = probe;
  return runCheckSteps([
    { step: 'connect', run: () => classified('connecting', () => probe.connect()) },
    ...(createSchema ? [{ step: 'create schema', run: () => classified('creating schema', () => createSchema.call(probe)) }] : []),
    {
      step: 'create tables',
      run: () =>
        classified(
          'creating tables',
          async () => (await probe.createTables()) || 'tables events, raw_events and the definition tables exist',
        ),
    },
    {
      step: 'write',
      run: () => classified('writing to raw_events', async () => (await probe.writeProbe(row)) || 'wrote a probe row to raw_events'),
    },
    {
      step: 'read back',
      run: () =>
        classified('reading raw_events', async () => {
          const found = await probe.countProbe(row.event_id);
          if (found !== 1) throw new ConfigError(`the probe row written to raw_events could not be read back (found ${found})`);
          return 'read the probe row back';
        }),
    },
    {
      step: 'clean up',
      run: () => classified('cleaning up', async () => (await probe.deleteProbe(row.event_id), 'deleted the probe row')),
    },
  ]);
}

/**
 * The shape of every `loadEvents`: runs `load` over the non-empty batches, unless there are no
 * rows at all and nothing else to do (`options.deleteDeviceIds` empty); then the warehouse is sent
 * nothing and the result is all zeros. The source is closed afterwards, whether `load` finished,
 * failed or stopped early.
 */
export async function loadUnlessEmpty<T>(
  batches: AsyncIterable<T[]>,
  load: (nonEmpty: AsyncIterable<T[]>) => Promise<LoadResult>,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const iterator = batches[Symbol.asyncIterator]();
  try {
    const first = await firstNonEmptyBatch(iterator);
    if (first === undefined) {
      if (!options.deleteDeviceIds?.length) return { rowsStaged: 0, rowsMerged: 0, bytes: 0 };
      return await load(noBatches<T>());
    }
    return await load(resumeBatches(first, iterator));
  } finally {
    await iterator.return?.();
  }
}

async function* noBatches<T>(): AsyncGenerator<T[]> {
  // yields nothing: a load that only deletes
}

/** The first non-empty batch of an iterator, or undefined when it yields no rows at all. */
async function firstNonEmptyBatch<T>(iterator: AsyncIterator<T[]>): Promise<T[] | undefined> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return undefined;
    if (next.value.length > 0) return next.value;
  }
}

/** Yields `first`, then the non-empty batches left in `iterator`. */
async function* resumeBatches<T>(first: T[], iterator: AsyncIterator<T[]>): AsyncGenerator<T[]> {
  yield first;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    if (next.value.length > 0) yield next.value;
  }
}

/** A logger that drops everything; handy in tests and scripts. */
export const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
