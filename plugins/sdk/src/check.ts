import { classifyError, errorMessage } from './errors.ts';
import type { CheckStep, LoadOptions, LoadResult } from './define.ts';

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
