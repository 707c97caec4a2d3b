import {
  deletionDestinationsOf,
  getDeletionRequest,
  listDeletionRequests,
  type DeletionDestinationRecord,
  type DeletionRequestRecord,
} from '../server/db/queries/deletions.ts';
import { builder } from './builder.ts';
import { connectionByPosition, connectionCost, listCost } from './cursors.ts';
import { byUuid, ValidationError } from './errors.ts';

const DeletionStatusEnum = builder.enumType('DeletionStatus', {
  values: {
    pending: { description: 'The destination deletes the rows at its next successful sync.' },
    done: { description: 'The destination deleted the rows.' },
    unsupported: { description: 'The destination’s plugin cannot delete devices: the rows are still there.' },
  } as const,
});

const DeletionDestinationType = builder.objectRef<DeletionDestinationRecord>('DeletionDestination').implement({
  description: 'Where a deletion request stands in one destination.',
  fields: (t) => ({
    destinationId: t.exposeID('destinationId'),
    status: t.expose('status', { type: DeletionStatusEnum }),
    rowsDeleted: t.exposeInt('rowsDeleted', { nullable: true, description: 'Rows the warehouse deleted, when it says.' }),
    completedTime: t.expose('completedTime', { type: 'DateTime', nullable: true }),
  }),
});

const DeletionRequestType = builder.objectRef<DeletionRequestRecord>('DeletionRequest').implement({
  description:
    'A request to delete a person’s data from the store and every destination (an audit record: who, when, which identifiers, and where it stands).',
  fields: (t) => ({
    id: t.exposeID('id'),
    subjectKind: t.exposeString('subjectKind', { description: '`user` or `device`.' }),
    subject: t.exposeString('subject', { description: 'The user id or device id asked for.' }),
    deviceIds: t.exposeStringList('deviceIds', { description: 'The devices it resolved to (a user: every device joined to them).' }),
    suppress: t.exposeBoolean('suppress', { description: 'Later events of these devices are dropped at capture.' }),
    requestedBy: t.exposeString('requestedBy', { description: 'The API key that asked (`api-key:<id>`).' }),
    requestedTime: t.expose('requestedTime', { type: 'DateTime' }),
    storeRowsDeleted: t.exposeInt('storeRowsDeleted'),
    droppedEvents: t.exposeInt('droppedEvents', {
      description: 'Events of these devices dropped at capture since (their deleted past, or all with suppress).',
    }),
    destinations: t.field({
      type: [DeletionDestinationType],
      complexity: listCost(10),
      resolve: (r, _a, ctx) => deletionDestinationsOf(ctx.db, r.id),
    }),
  }),
});

builder.queryField('deletionRequests', (t) =>
  t.connection(
    {
      type: DeletionRequestType,
      description: 'Newest first.',
      authScopes: { admin: true },
      complexity: connectionCost,
      resolve: (_r, args, ctx) => connectionByPosition(args, (limit) => listDeletionRequests(ctx.db, ctx.principal.orgId, limit)),
    },
    { name: 'DeletionRequestConnection' },
    { name: 'DeletionRequestEdge' },
  ),
);

builder.queryField('deletionRequest', (t) =>
  t.field({
    type: DeletionRequestType,
    nullable: true,
    authScopes: { admin: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => byUuid(id, (uuid) => getDeletionRequest(ctx.db, ctx.principal.orgId, uuid)),
  }),
);

const RequestDeletionInput = builder.inputType('RequestDeletionInput', {
  fields: (t) => ({
    userId: t.string({ required: false, description: 'A user id: every device identified as them.' }),
    deviceId: t.string({ required: false, description: 'One device id (decimal int64).' }),
    suppress: t.boolean({ required: false, description: 'Also drop every later event of these devices at capture (default false).' }),
  }),
});

builder.mutationField('requestDeletion', (t) =>
  t.field({
    type: DeletionRequestType,
    authScopes: { admin: true },
    errors: { types: [ValidationError], result: { name: 'DeletionRequested' } },
    args: { input: t.arg({ type: RequestDeletionInput, required: true }) },
    resolve: (_r, { input }, ctx) => ctx.deletions.request(ctx.principal.orgId, `api-key:${ctx.principal.keyId}`, input),
  }),
);
