import { listEvents, type EventListRow } from '../server/db/queries/events.ts';
import { builder } from './builder.ts';
import { badInput, decodeCursor, encodeCursor } from './cursors.ts';

const EventType = builder.objectRef<EventListRow>('Event').implement({
  description: 'A processed row, exactly as the warehouse `events` table receives it (docs/warehouse-schema.md).',
  fields: (t) => ({
    eventId: t.exposeString('event_id'),
    eventTime: t.exposeString('event_time', { description: 'ISO-8601 UTC with microseconds.' }),
    processedTime: t.exposeString('processed_time', { description: 'ISO-8601 UTC with microseconds.' }),
    deviceId: t.exposeString('device_id', { description: 'int64 as a decimal string.' }),
    sessionId: t.exposeString('session_id', { nullable: true }),
    viewId: t.exposeString('view_id', { nullable: true }),
    eventType: t.exposeString('event_type', { nullable: true, description: 'NULL on tombstones.' }),
    eventProperties: t.expose('event_properties', { type: 'JSON', nullable: true }),
    sourceType: t.exposeString('source_type'),
    sourceProperties: t.expose('source_properties', { type: 'JSON', nullable: true }),
  }),
});

const PageInfo = builder.objectRef<{ endCursor: string | null; hasNextPage: boolean }>('PageInfo').implement({
  fields: (t) => ({
    endCursor: t.exposeString('endCursor', { nullable: true }),
    hasNextPage: t.exposeBoolean('hasNextPage'),
  }),
});

const EventConnection = builder
  .objectRef<{ nodes: EventListRow[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } }>('EventConnection')
  .implement({
    fields: (t) => ({
      nodes: t.field({ type: [EventType], resolve: (c) => c.nodes }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
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

const cursorOf = (row: EventListRow) => encodeCursor(row.change_xid, row.event_id);
function positionOf(cursor: string): { changeXid: string; eventId: string } {
  const [changeXid, eventId] = decodeCursor(cursor, ([xid, id, ...rest]) => /^\d{1,20}$/.test(xid ?? '') && Boolean(id) && rest.length === 0);
  return { changeXid: changeXid!, eventId: eventId! };
}

builder.queryField('events', (t) =>
  t.field({
    type: EventConnection,
    description: "Processed rows of the caller's organization, most recently processed first.",
    authScopes: { reader: true },
    args: {
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
      filter: t.arg({ type: EventFilter }),
    },
    resolve: async (_root, args, ctx) => {
      const first = args.first ?? 50;
      if (first < 1 || first > 500) throw badInput('first must be between 1 and 500');
      const after = args.after ? positionOf(args.after) : undefined;
      for (const id of [args.filter?.deviceId, args.filter?.sessionId]) {
        if (id && !/^\d{1,19}$/.test(id)) throw badInput('deviceId and sessionId are int64 decimal strings');
      }
      const rows = await listEvents(ctx.db, ctx.principal.orgId, args.filter ?? {}, { first: first + 1, after });
      const nodes = rows.slice(0, first);
      return {
        nodes,
        pageInfo: { hasNextPage: rows.length > first, endCursor: nodes.length ? cursorOf(nodes[nodes.length - 1]!) : null },
      };
    },
  }),
);
