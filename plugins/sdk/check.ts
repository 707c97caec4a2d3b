import { classifyError, errorMessage } from './errors.ts';
import type { CheckStep } from './define.ts';

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
 * Returns the first non-empty batch of an iterator, or undefined when it yields no rows at all.
 * Plugins use it to send nothing to the warehouse for an empty load.
 */
export async function firstNonEmptyBatch<T>(iterator: AsyncIterator<T[]>): Promise<T[] | undefined> {
  for (;;) {
    const next = await iterator.next();
    if (next.done) return undefined;
    if (next.value.length > 0) return next.value;
  }
}

/** Yields `first`, then the non-empty batches left in `iterator`. */
export async function* resumeBatches<T>(first: T[], iterator: AsyncIterator<T[]>): AsyncGenerator<T[]> {
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
