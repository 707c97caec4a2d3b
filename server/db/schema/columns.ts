import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Postgres `xid8`: the id of the transaction that last wrote a row (see events.ts). */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => 'xid8',
});

/**
 * Postgres `pg_snapshot` (`xmin:xmax:xip,…`): which transactions had committed at one instant.
 * A sync window is the set of rows visible in its end snapshot and not in its start snapshot.
 */
export const pgSnapshot = customType<{ data: string; driverData: string }>({
  dataType: () => 'pg_snapshot',
});

/** Every timestamp is `timestamptz` with microseconds, read and written in UTC. */
export const utcTimestamp = (name: string) => timestamp(name, { withTimezone: true, precision: 6, mode: 'date' });
