import type { Database } from '../db/client.ts';
import { claimBackfillChunk, setBackfillRowsToSend, type Backfill } from '../db/queries/backfills.ts';
import { backfillChunkEnd, countBackfillRows, type BackfillRange } from '../db/queries/changes.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import { admittedTypes } from './periods.ts';

/** The chunk of a backfill one run sends. */
export interface BackfillChunkPlan {
  backfillId: string;
  range: BackfillRange;
  /** This chunk ends the backfill (its range reaches the end, or a cancel waits for it). */
  last: boolean;
}

/**
 * Plans the chunk of `backfill` this run sends (docs/warehouse-schema.md, "The one exception: a backfill"), called
 * inside the destination's run once its window is loaded, under the same lease:
 *
 * - the chunk still in flight when one is (a run died between claiming and confirming it): the
 *   same capture times again, so the backfill's period never holds a time whose rows were not sent;
 * - else the next one: about `chunkRows` rows from the cursor, whole capture instants, claimed
 *   (the period grows to its end) before any of its rows is read.
 *
 * The caller reads the chunk after this returns, so after the window's end snapshot: a change
 * committed after that read is in a later window, which the warehouse merges after this chunk,
 * so an old version the chunk sends can never land after its own tombstone. Undefined when the
 * backfill was cancelled meanwhile.
 */
export async function planBackfillChunk(db: Database, backfill: Backfill, chunkRows: number): Promise<BackfillChunkPlan | undefined> {
  const { run, period } = backfill;
  const types = admittedTypes(period, EVENT_TYPES);
  const from = run.sentUntil!;
  const rest: BackfillRange = { orgId: run.orgId, from, until: run.captureTo!, types };
  if (run.rowsToSend === null) await setBackfillRowsToSend(db, run.id, await countBackfillRows(db, rest));
  let until = period.endTime!;
  if (until <= from) {
    until = await backfillChunkEnd(db, rest, chunkRows);
    if (!(await claimBackfillChunk(db, run.id, until))) return undefined;
  }
  return { backfillId: run.id, range: { ...rest, until }, last: until >= rest.until || run.cancelRequested };
}
