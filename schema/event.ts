import { listEvents, type EventListRow } from '../server/db/queries/events.ts';
import { parseInt64 } from '../server/events/ids.ts';
import { builder } from './builder.ts';
import { connectionCost, connectionOf, decodeCursor, encodeCursor, invalidArgument, isStorableTime, pageSize } from './cursors.ts';

// up to 32 KiB each (the capture limit): they make most of a page's size
const JSON_PAYLOAD_COST = 5;

/** A processed row (also what "test this rule" lists). */
export const EventType = builder.objectRef<EventListRow>('Event').implement({
  description: 'A processed row, exactly as the warehouse `events` table receives it (docs/warehouse-schema.md).',
  fields: (t) => ({
    eventId: t.exposeString('event_id'),
    eventTime: t.exposeString('event_time', { description: 'ISO-8601 UTC with microseconds.' }),
    processedTime: t.exposeString('processed_time', { description: 'ISO-8601 UTC with microseconds.' }),
    deviceId: t.exposeString('device_id', { description: 'int64 as a decimal string.' }),
    sessionId: t.exposeString('session_id', { nullable: true }),
    viewId: t.exposeString('view_id', { nullable: true }),
    eventType: t.exposeString('event_type', { nullable: true, description: 'NULL on tombstones.' }),
    eventProperties: t.expose('event_properties', { type: 'JSON', nullable: true, complexity: JSON_PAYLOAD_COST }),
    sourceType: t.exposeString('source_type'),
    sourceProperties: t.expose('source_properties', { type: 'JSON', nullable: true, complexity: JSON_PAYLOAD_COST }),
  }),
});

const EventFilter = builder.inputType('EventFilter', {
  fields: (t) => ({
    eventType: t.string(),
    deviceId: t.string(),
    sessionId: t.string(),
    from: t.field({ type: 'DateTime', description: 'event_time at or after' }),
    to: t.field({ type: 'DateTime', description: 'event_time before' }),
    includeTombstones: t.boolean({ defaultValue: false }),
  }),
});

const XID8_MAX = 2n ** 64n - 1n;
const cursorOf = (row: EventListRow) => encodeCursor(row.change_xid, row.event_id);
function positionOf(cursor: string): { changeXid: string; eventId: string } {
  const [changeXid, eventId] = decodeCursor(
    cursor,
    // a transaction id (xid8) and an event id (server/events/ids.ts: 26 Crockford base32 characters)
    ([xid, id, ...rest]) =>
      /^\d{1,20}$/.test(xid ?? '') && BigInt(xid!) <= XID8_MAX && /^[0-9A-Z]{26}$/.test(id ?? '') && rest.length === 0,
  );
  return { changeXid: changeXid!, eventId: eventId! };
}

/** The filter as the store takes it; a value the store cannot compare with is INVALID_ARGUMENT. */
function storeFilter(filter: typeof EventFilter.$inferInput | null | undefined) {
  const int64 = (value: string | null | undefined, name: string) => {
    if (value == null) return undefined;
    const parsed = parseInt64(value);
    if (parsed === undefined) throw invalidArgument(`filter.${name} must be an int64 from 0 to 9223372036854775807, as a decimal string`);
    return parsed;
  };
  for (const name of ['from', 'to'] as const) {
    const time = filter?.[name];
    if (time && !isStorableTime(time)) throw invalidArgument(`filter.${name} must be a time in the years 1 to 9999`);
  }
  return { ...filter, deviceId: int64(filter?.deviceId, 'deviceId'), sessionId: int64(filter?.sessionId, 'sessionId') };
}

builder.queryField('events', (t) =>
  t.connection(
    {
      type: EventType,
      description: "Processed rows of the caller's organization, most recently processed first.",
      authScopes: { reader: true },
      complexity: connectionCost,
      args: { filter: t.arg({ type: EventFilter }) },
      resolve: async (_root, args, ctx) => {
        const first = pageSize(args);
        const after = args.after ? positionOf(args.after) : undefined;
        const rows = await listEvents(ctx.db, ctx.principal.orgId, storeFilter(args.filter), { first: first + 1, after });
        return connectionOf(rows, first, cursorOf, args.after);
      },
    },
    { name: 'EventConnection' },
    { name: 'EventEdge' },
  ),
);
