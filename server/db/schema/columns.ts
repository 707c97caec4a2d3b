import { customType, timestamp } from 'drizzle-orm/pg-core';

/** Postgres `xid8`: the id of the transaction that last wrote a row (see events.ts). */
export const xid8 = customType<{ data: string; driverData: string }>({
  dataType: () => 'xid8',
});

/** Every timestamp is `timestamptz` with microseconds, read and written in UTC. */
export const utcTimestamp = (name: string) => timestamp(name, { withTimezone: true, precision: 6, mode: 'date' });
