import { sql } from 'drizzle-orm';
import { pgErrorCode, type Database } from '../db/client.ts';

/**
 * The daily partitions of the event store (migrations/0003_partitioned_events.sql): one per UTC
 * day of `captured_time`, named `events_YYYYMMDD`, plus `events_legacy` for everything stored
 * before the store was partitioned. Names and bounds come from dates only, never from input.
 */
export interface EventPartition {
  name: string;
  /** First capture time inside; null for the legacy partition (MINVALUE). */
  from: Date | null;
  /** First capture time after it. */
  to: Date;
}

const DAY_MS = 86_400_000;
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
const partitionName = (day: number) => `events_${new Date(day).toISOString().slice(0, 10).replaceAll('-', '')}`;

/** `2026-12-01 00:00:00+00` or `…+05:30` (Postgres' text in the session's time zone) as a Date. */
function timestamptzText(text: string): Date {
  const iso = text.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`unexpected partition bound ${text}`);
  return date;
}

/** The partitions of `events`, oldest first (a partition left half-detached is finished first). */
export async function listEventPartitions(db: Database): Promise<EventPartition[]> {
  const rows = await db.rows<{ name: string; bound: string; pending: boolean }>(sql`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound, i.inhdetachpending as pending
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'events'::regclass`);
  for (const r of rows.filter((r) => r.pending)) {
    // an interrupted DETACH … CONCURRENTLY: finish it, then the partition is a table of its own
    await db.rows(sql`alter table events detach partition ${sql.identifier(r.name)} finalize`);
  }
  return rows
    .filter((r) => !r.pending)
    .map((r) => {
      const [, from, to] = /FROM \((?:MINVALUE|'([^']+)')\) TO \('([^']+)'\)/.exec(r.bound) ?? [];
      if (!to) throw new Error(`unexpected bound of event partition ${r.name}`);
      return { name: r.name, from: from ? timestamptzText(from) : null, to: timestamptzText(to) };
    })
    .sort((a, b) => a.to.getTime() - b.to.getTime());
}

/**
 * Keeps a partition for every capture day the store is about to receive: the writer asks before
 * each flush (answered from memory but for the first flush of a new day), and the retention pass
 * creates the next days ahead. Several instances may create the same partition at once: the
 * loser's error is ignored.
 */
export function createEventPartitions(db: Database) {
  let covered: EventPartition[] | undefined;
  const isCovered = (ms: number) => covered!.some((p) => (p.from === null || p.from.getTime() <= ms) && ms < p.to.getTime());

  async function refresh() {
    covered = await listEventPartitions(db);
  }

  return {
    /** Makes sure a partition holds each of these capture times (epoch ms). */
    async cover(times: Iterable<number>): Promise<void> {
      if (!covered) await refresh();
      const missing = new Set<number>();
      for (const t of times) if (!isCovered(t)) missing.add(dayStart(t));
      if (missing.size === 0) return;
      for (const day of [...missing].sort((a, b) => a - b)) {
        try {
          // DDL takes no parameters: the bounds are literals of our own dates
          const bound = (ms: number) => sql.raw(`'${new Date(ms).toISOString()}'`);
          await db.rows(sql`
            create table if not exists ${sql.identifier(partitionName(day))} partition of events
            for values from (${bound(day)}) to (${bound(day + DAY_MS)})`);
        } catch (error) {
          // 42P07: created meanwhile by another instance; 42P17: a partition already covers it
          if (pgErrorCode(error) !== '42P07' && pgErrorCode(error) !== '42P17') throw error;
        }
      }
      await refresh();
    },
    /**
     * The earliest capture time the store still holds (epoch ms), as last read; null while the
     * legacy partition (everything before the store was partitioned) is kept.
     */
    oldestRetained(): number | null {
      const first = covered?.[0];
      return first?.from ? first.from.getTime() : null;
    },
    /** The partitions as last read. */
    async list(): Promise<EventPartition[]> {
      await refresh();
      return covered!;
    },
    /**
     * Removes a partition without blocking writers: detached concurrently (it waits for the
     * transactions using it, takes no lock that stops inserts into the others), then dropped.
     */
    async drop(name: string): Promise<void> {
      await db.rows(sql`alter table events detach partition ${sql.identifier(name)} concurrently`);
      await db.rows(sql`drop table ${sql.identifier(name)}`);
      await refresh();
    },
  };
}
export type EventPartitions = ReturnType<typeof createEventPartitions>;
