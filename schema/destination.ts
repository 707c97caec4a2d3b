import { errorMessage } from '@tributary/destination-sdk';
import { getBackfill, listBackfills, type Backfill } from '../server/db/queries/backfills.ts';
import {
  deleteDestination,
  getDestination,
  getSyncRun,
  listDestinationPeriods,
  listDestinations,
  listSyncRuns,
  type DestinationPeriod,
  type DestinationRecord,
  type SyncRunRecord,
} from '../server/db/queries/destinations.ts';
import { listMisses } from '../server/db/queries/retention.ts';
import { pendingDeletionCount } from '../server/db/queries/deletions.ts';
import type { InstalledPlugin } from '../server/plugins/registry.ts';
import type { DestinationInput } from '../server/sync/destinations.ts';
import { destinationStatus, FAILING_AFTER } from '../server/sync/schedule.ts';
import { builder } from './builder.ts';
import {
  connectionByPosition,
  connectionCost,
  connectionOf,
  decodeCursor,
  encodeCursor,
  isStorableTime,
  isUuid,
  pageSize,
} from './cursors.ts';
import { AppError, byUuid, byUuidOrNotFound, NotFoundError, ValidationError } from './errors.ts';

const DestinationPluginType = builder.objectRef<InstalledPlugin>('DestinationPlugin').implement({
  description: 'An installed destination plugin (built-in, or a third-party package installed by npm or named by its folder).',
  fields: (t) => ({
    id: t.string({ resolve: (p) => p.definition.id }),
    displayName: t.string({ resolve: (p) => p.definition.displayName }),
    description: t.string({ resolve: (p) => p.definition.description }),
    version: t.string({ resolve: (p) => p.definition.version }),
    apiVersion: t.int({ resolve: (p) => p.definition.apiVersion }),
    source: t.string({ description: '"built-in", the npm package name, or the plugin folder\'s path.', resolve: (p) => p.source }),
    configSchema: t.field({
      type: 'JSON',
      description: 'JSON Schema of the config; secret fields are writeOnly.',
      resolve: (p) => p.jsonSchema,
    }),
    secretFields: t.stringList({ resolve: (p) => p.secretFields }),
    targetFields: t.stringList({
      description:
        'Fields that say where the plugin connects and as whom: an update changing one without giving the secrets again clears them (see Destination.clearedSecrets).',
      resolve: (p) => p.targetFields.map((field) => field.name),
    }),
  }),
});

builder.queryField('destinationPlugins', (t) =>
  t.field({
    type: [DestinationPluginType],
    authScopes: { reader: true },
    resolve: (_root, _args, ctx) => ctx.sync.registry.list(),
  }),
);

const DestinationStatusEnum = builder.enumType('DestinationStatus', {
  values: {
    HEALTHY: {},
    FAILING: { description: `${FAILING_AFTER} failed runs in a row, or a permanent error; data keeps accumulating` },
    DISABLED: {},
  } as const,
});

const SyncRunStatusEnum = builder.enumType('SyncRunStatus', {
  values: { queued: {}, running: {}, succeeded: {}, failed: {}, cancelled: { description: 'Backfills only.' } } as const,
});

const SyncRunType = builder.objectRef<SyncRunRecord>('SyncRun').implement({
  description: 'One sync of one destination.',
  fields: (t) => ({
    id: t.exposeID('id'),
    destinationId: t.exposeID('destinationId'),
    status: t.expose('status', { type: SyncRunStatusEnum }),
    trigger: t.exposeString('trigger', { description: '`schedule` or `manual`.' }),
    windowFrom: t.exposeString('windowFrom', {
      nullable: true,
      description: 'Snapshot (`xmin:xmax:xip,…`) the window starts at: rows of transactions it sees were sent before.',
    }),
    windowTo: t.exposeString('windowTo', {
      nullable: true,
      description: 'Snapshot the window ends at: the run sends the rows of transactions this one sees and windowFrom does not.',
    }),
    rows: t.exposeInt('rows'),
    bytes: t.exposeInt('bytes'),
    statements: t.exposeInt('statements', { description: 'Statements or requests sent to the warehouse.' }),
    attempts: t.exposeInt('attempts'),
    queuedTime: t.expose('queuedTime', { type: 'DateTime' }),
    startedTime: t.expose('startedTime', { type: 'DateTime', nullable: true }),
    finishedTime: t.expose('finishedTime', { type: 'DateTime', nullable: true }),
    durationMs: t.exposeInt('durationMs', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    errorKind: t.exposeString('errorKind', { nullable: true, description: 'retryable, permanent or config' }),
    details: t.field({
      type: 'JSON',
      nullable: true,
      description:
        'What else the run recorded: emptyWindow, definitionsWritten, mergedEventTimeRange ({from, to}: the event times the merge touched), failing, backfill ({id, rows, sentUntil}: the backfill chunk it sent after its window).',
      resolve: (r) => r.details ?? null,
    }),
  }),
});

const CheckStepType = builder
  .objectRef<{ step: string; ok: boolean; skipped: boolean; message: string; durationMs: number }>('CheckStep')
  .implement({
    fields: (t) => ({
      step: t.exposeString('step'),
      ok: t.exposeBoolean('ok'),
      skipped: t.exposeBoolean('skipped'),
      message: t.exposeString('message'),
      // plugins time their steps with performance.now(): fractions of a millisecond
      durationMs: t.int({ resolve: (step) => Math.round(step.durationMs) }),
    }),
  });

const ActivePeriodType = builder.objectRef<DestinationPeriod>('ActivePeriod').implement({
  description: 'A period the destination was enabled: it receives the events captured inside its periods.',
  fields: (t) => ({
    startTime: t.expose('startTime', { type: 'DateTime' }),
    endTime: t.expose('endTime', { type: 'DateTime', nullable: true, description: 'Null while the period is open.' }),
  }),
});

const MissedDataType = builder.objectRef<Awaited<ReturnType<typeof listMisses>>[number]>('MissedData').implement({
  description:
    'Rows the destination will never receive: retention dropped a day of the store before it had synced them (it was behind past TRIBUTARY_RETENTION_MAX, or disabled).',
  fields: (t) => ({
    capturedFrom: t.expose('capturedFrom', {
      type: 'DateTime',
      nullable: true,
      description: 'Null: everything captured before capturedTo.',
    }),
    capturedTo: t.expose('capturedTo', { type: 'DateTime' }),
    rows: t.exposeInt('rows', { description: 'New rows, re-emitted rows and tombstones it had not synced.' }),
    wasEnabled: t.exposeBoolean('wasEnabled'),
    recordedTime: t.expose('recordedTime', { type: 'DateTime' }),
  }),
});

const PeriodKindEnum = builder.enumType('DestinationPeriodKind', {
  values: {
    active: { description: 'A time the destination was enabled.' },
    backfill: { description: 'The capture times a backfill has sent (the recorded exception to "captured while active").' },
  } as const,
});

const DestinationPeriodType = builder.objectRef<DestinationPeriod>('DestinationPeriod').implement({
  description:
    'Capture times whose events the destination receives (docs/warehouse-schema.md "What each destination holds"): the current row of each event captured inside one of its periods that the filters of that period admit.',
  fields: (t) => ({
    kind: t.expose('kind', { type: PeriodKindEnum }),
    startTime: t.expose('startTime', { type: 'DateTime' }),
    endTime: t.expose('endTime', {
      type: 'DateTime',
      nullable: true,
      description: 'Null while an active period is open. A backfill period ends where its backfill has got to (it grows chunk by chunk).',
    }),
    eventTypesInclude: t.exposeStringList('eventTypesInclude', { nullable: true }),
    eventTypesExclude: t.exposeStringList('eventTypesExclude', { nullable: true }),
    backfillId: t.exposeID('backfillId', { nullable: true }),
  }),
});

const BackfillType = builder.objectRef<Backfill>('Backfill').implement({
  description:
    'A backfill: the destination receives the current row of every event captured from `from` until `to` (the request) that the store still holds, through the same merge, in chunks sent after its syncs. A run of its own kind: queued → running → succeeded | cancelled.',
  fields: (t) => ({
    id: t.id({ resolve: (b) => b.run.id }),
    destinationId: t.id({ resolve: (b) => b.run.destinationId }),
    status: t.field({ type: SyncRunStatusEnum, resolve: (b) => b.run.status }),
    from: t.field({ type: 'DateTime', resolve: (b) => b.run.captureFrom! }),
    to: t.field({
      type: 'DateTime',
      description: 'The instant it was requested (or the destination created).',
      resolve: (b) => b.run.captureTo!,
    }),
    sentUntil: t.field({
      type: 'DateTime',
      description:
        'Cursor: every event captured from `from` and before this instant was sent. Moves after each chunk the warehouse confirmed.',
      resolve: (b) => b.run.sentUntil!,
    }),
    rowsSent: t.int({ resolve: (b) => b.run.rows }),
    rowsToSend: t.int({
      nullable: true,
      description: 'Rows in its range when its first chunk was read (null before). Rows re-emitted meanwhile can take rowsSent past it.',
      resolve: (b) => b.run.rowsToSend,
    }),
    cancelRequested: t.boolean({
      description: 'Cancelled while a chunk was in flight: it stops once that chunk is sent.',
      resolve: (b) => b.run.cancelRequested,
    }),
    eventTypesInclude: t.stringList({
      nullable: true,
      description: "The destination's filters when it was requested.",
      resolve: (b) => b.period.eventTypesInclude,
    }),
    eventTypesExclude: t.stringList({ nullable: true, resolve: (b) => b.period.eventTypesExclude }),
    requestedBy: t.string({ resolve: (b) => b.run.requestedBy ?? '' }),
    queuedTime: t.field({ type: 'DateTime', resolve: (b) => b.run.queuedTime }),
    startedTime: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.run.startedTime }),
    finishedTime: t.field({ type: 'DateTime', nullable: true, resolve: (b) => b.run.finishedTime }),
    error: t.string({
      nullable: true,
      description:
        'Why the last sync carrying one of its chunks failed (the chunk goes again with the next sync); null after a chunk succeeds.',
      resolve: (b) => b.run.error,
    }),
    errorKind: t.string({ nullable: true, resolve: (b) => b.run.errorKind }),
  }),
});

const DestinationType = builder.objectRef<DestinationRecord>('Destination').implement({
  description: 'A warehouse this organization syncs to. Secret config fields are never returned.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    pluginId: t.exposeString('pluginId'),
    config: t.field({ type: 'JSON', description: 'The config without its secret fields.', resolve: (d) => d.config }),
    secretFieldsSet: t.boolean({ description: 'Whether secret fields are stored (encrypted).', resolve: (d) => d.secretConfig !== null }),
    clearedSecrets: t.stringList({
      description:
        'Secret fields cleared because a target field changed without them, and not given since. Until each is given again (a value, or null to go without), the destination does not connect: syncs and tests fail with SECRETS_REQUIRED.',
      resolve: (d) => d.clearedSecrets ?? [],
    }),
    enabled: t.exposeBoolean('enabled'),
    status: t.field({ type: DestinationStatusEnum, resolve: destinationStatus }),
    intervalMinutes: t.exposeInt('intervalMinutes'),
    eventTypesInclude: t.exposeStringList('eventTypesInclude', { nullable: true }),
    eventTypesExclude: t.exposeStringList('eventTypesExclude', { nullable: true }),
    pendingDeletions: t.int({
      description: 'Deletion requests this destination has still to carry out (at its next successful sync).',
      resolve: (d, _a, ctx) => pendingDeletionCount(ctx.db, d.id),
    }),
    missed: t.field({
      type: [MissedDataType],
      description: 'What retention dropped before this destination synced it (empty when it missed nothing).',
      resolve: (d, _a, ctx) => listMisses(ctx.db, d.id),
    }),
    activeSince: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Start of the open active period; null while disabled.',
      resolve: async (d, _a, ctx) =>
        d.enabled
          ? ((await listDestinationPeriods(ctx.db, [d.id])).find((p) => p.kind === 'active' && p.endTime === null)?.startTime ?? null)
          : null,
    }),
    activePeriods: t.field({
      type: [ActivePeriodType],
      description:
        'Every period the destination was enabled, oldest first (docs/warehouse-schema.md, "What each destination holds"). `periods` adds the backfills.',
      resolve: async (d, _a, ctx) => (await listDestinationPeriods(ctx.db, [d.id])).filter((p) => p.kind === 'active'),
    }),
    periods: t.field({
      type: [DestinationPeriodType],
      description: 'Every period whose events the destination receives, active and backfill, by start time.',
      resolve: (d, _a, ctx) => listDestinationPeriods(ctx.db, [d.id]),
    }),
    backfills: t.connection(
      {
        type: BackfillType,
        description: 'Its backfills, newest first.',
        complexity: connectionCost,
        resolve: (d, args, ctx) => connectionByPosition(args, (limit) => listBackfills(ctx.db, ctx.principal.orgId, d.id, limit)),
      },
      { name: 'BackfillConnection' },
      { name: 'BackfillEdge' },
    ),
    nextRunTime: t.expose('nextRunTime', { type: 'DateTime' }),
    lastSuccessTime: t.expose('lastSuccessTime', { type: 'DateTime', nullable: true }),
    lagSeconds: t.int({
      nullable: true,
      description: 'Seconds since the last successful sync (null before the first).',
      resolve: (d) => (d.lastSuccessTime ? Math.round((Date.now() - d.lastSuccessTime.getTime()) / 1000) : null),
    }),
    consecutiveFailures: t.exposeInt('consecutiveFailures'),
    lastError: t.exposeString('lastError', { nullable: true }),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    runs: t.connection(
      {
        type: SyncRunType,
        description: 'Its syncs, newest first (backfills: `backfills`).',
        complexity: connectionCost,
        resolve: async (d, args, ctx) => {
          const first = pageSize(args);
          let before: { cursorTime: string; id: string } | undefined;
          if (args.after) {
            const [time, id] = decodeCursor(
              args.after,
              ([t, i, ...rest]) =>
                /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(t ?? '') &&
                isStorableTime(new Date(t!)) &&
                isUuid(i ?? '') &&
                rest.length === 0,
            );
            before = { cursorTime: time!, id: id! };
          }
          const rows = await listSyncRuns(ctx.db, ctx.principal.orgId, d.id, { first: first + 1, before });
          return connectionOf(rows, first, (run) => encodeCursor(run.cursorTime, run.id), args.after);
        },
      },
      { name: 'SyncRunConnection' },
      { name: 'SyncRunEdge' },
    ),
  }),
});

builder.queryField('destinations', (t) =>
  t.connection(
    {
      type: DestinationType,
      authScopes: { reader: true },
      complexity: connectionCost,
      resolve: (_r, args, ctx) => connectionByPosition(args, () => listDestinations(ctx.db, ctx.principal.orgId)),
    },
    { name: 'DestinationConnection' },
    { name: 'DestinationEdge' },
  ),
);

builder.queryField('destination', (t) =>
  t.field({
    type: DestinationType,
    nullable: true,
    authScopes: { reader: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => byUuid(id, (uuid) => getDestination(ctx.db, ctx.principal.orgId, uuid)),
  }),
);

builder.queryField('backfill', (t) =>
  t.field({
    type: BackfillType,
    nullable: true,
    authScopes: { reader: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => byUuid(id, (uuid) => getBackfill(ctx.db, ctx.principal.orgId, uuid)),
  }),
);

builder.queryField('syncRun', (t) =>
  t.field({
    type: SyncRunType,
    nullable: true,
    authScopes: { reader: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => byUuid(id, (uuid) => getSyncRun(ctx.db, ctx.principal.orgId, uuid)),
  }),
);

const DestinationInputType = builder.inputType('DestinationInput', {
  fields: (t) => ({
    name: t.string(),
    pluginId: t.string({ description: 'Only when creating.' }),
    config: t.field({
      type: 'JSON',
      description:
        "The plugin's config. On update, fields left out keep their value, except secrets when a target field changes (they are cleared: see Destination.clearedSecrets); a field given as null is removed.",
    }),
    intervalMinutes: t.int(),
    eventTypesInclude: t.stringList(),
    eventTypesExclude: t.stringList(),
    enabled: t.boolean(),
    backfillFrom: t.field({
      type: 'DateTime',
      description:
        'Only when creating: start with a backfill of what was captured from this instant until the creation (see backfillDestination).',
    }),
  }),
});

function inputOf(raw: Record<string, unknown>): DestinationInput {
  const config = raw.config;
  if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
    throw new ValidationError('INVALID_CONFIG', 'config must be a JSON object', 'config');
  }
  return {
    name: (raw.name as string | null) ?? undefined,
    pluginId: (raw.pluginId as string | null) ?? undefined,
    config: (config as Record<string, unknown> | null) ?? undefined,
    intervalMinutes: (raw.intervalMinutes as number | null) ?? undefined,
    eventTypesInclude: raw.eventTypesInclude as string[] | null | undefined,
    eventTypesExclude: raw.eventTypesExclude as string[] | null | undefined,
    enabled: (raw.enabled as boolean | null) ?? undefined,
  };
}

builder.mutationField('createDestination', (t) =>
  t.field({
    type: DestinationType,
    authScopes: { writer: true },
    errors: { types: [ValidationError], result: { name: 'DestinationCreated' } },
    args: { input: t.arg({ type: DestinationInputType, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const parsed = inputOf(input);
      if (!parsed.name) throw new ValidationError('INVALID_NAME', 'name is required', 'name');
      if (!parsed.pluginId) throw new ValidationError('UNKNOWN_PLUGIN', 'pluginId is required', 'pluginId');
      return ctx.sync.destinations.create(ctx.principal.orgId, `api-key:${ctx.principal.keyId}`, {
        ...parsed,
        name: parsed.name,
        pluginId: parsed.pluginId,
        config: parsed.config ?? {},
        backfillFrom: (input.backfillFrom as Date | null | undefined) ?? undefined,
      });
    },
  }),
);

builder.mutationField('updateDestination', (t) =>
  t.field({
    type: DestinationType,
    authScopes: { writer: true },
    errors: { types: [ValidationError, NotFoundError], result: { name: 'DestinationUpdated' } },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: DestinationInputType, required: true }) },
    resolve: (_r, { id, input }, ctx) =>
      byUuidOrNotFound(id, 'destination', async (uuid) => {
        const parsed = inputOf(input);
        if (parsed.pluginId !== undefined)
          throw new ValidationError('IMMUTABLE_FIELD', 'the plugin of a destination cannot change; create another', 'pluginId');
        if (parsed.enabled !== undefined)
          throw new ValidationError('IMMUTABLE_FIELD', 'use enableDestination / disableDestination', 'enabled');
        if (input.backfillFrom != null) throw new ValidationError('IMMUTABLE_FIELD', 'use backfillDestination', 'backfillFrom');
        return ctx.sync.destinations.update(ctx.principal.orgId, uuid, parsed);
      }),
  }),
);

for (const [name, enabled] of [
  ['enableDestination', true],
  ['disableDestination', false],
] as const) {
  builder.mutationField(name, (t) =>
    t.field({
      type: DestinationType,
      description: enabled
        ? 'Starts a new active period: rows processed while disabled are not sent.'
        : 'Stops syncing; the cursor is kept.',
      authScopes: { writer: true },
      errors: { types: [NotFoundError], result: { name: enabled ? 'DestinationEnabled' : 'DestinationDisabled' } },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_r, { id }, ctx) =>
        byUuidOrNotFound(id, 'destination', (uuid) => ctx.sync.destinations.setEnabled(ctx.principal.orgId, uuid, enabled)),
    }),
  );
}

builder.mutationField('deleteDestination', (t) =>
  t.field({
    type: 'Boolean',
    authScopes: { writer: true },
    errors: { types: [NotFoundError], result: { name: 'DestinationDeleted' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      byUuidOrNotFound(id, 'destination', async (uuid) => (await deleteDestination(ctx.db, ctx.principal.orgId, uuid)) || null),
  }),
);

builder.mutationField('testDestinationConnection', (t) =>
  t.field({
    type: [CheckStepType],
    description:
      "Connects with the stored config and reports each step: connect, create schema, create tables, write, read back, clean up. Refused with SECRETS_REQUIRED while secrets are cleared, and with the target policy's codes (DESTINATION_HOST_NOT_ALLOWED, ENDPOINT_OVERRIDE_NOT_ALLOWED, INVALID_FILE_PATH, FILE_PATH_NOT_A_FILE).",
    authScopes: { writer: true },
    errors: { types: [NotFoundError, ValidationError], result: { name: 'ConnectionTested' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      byUuidOrNotFound(id, 'destination', async (uuid) => {
        try {
          return await ctx.sync.destinations.test(ctx.principal.orgId, uuid);
        } catch (error) {
          if (error instanceof AppError) throw error;
          return [{ step: 'connect', ok: false, skipped: false, message: errorMessage(error), durationMs: 0 }];
        }
      }),
  }),
);

builder.mutationField('syncDestinationNow', (t) =>
  t.field({
    type: SyncRunType,
    description: 'Queues a sync of this destination now and returns the queued run (poll it with syncRun).',
    authScopes: { writer: true },
    errors: { types: [NotFoundError, ValidationError], result: { name: 'SyncQueued' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      byUuidOrNotFound(id, 'destination', async (uuid) => {
        const run = await ctx.sync.destinations.syncNow(ctx.principal.orgId, uuid);
        ctx.sync.scheduler?.kick();
        return run;
      }),
  }),
);

builder.mutationField('backfillDestination', (t) =>
  t.field({
    type: BackfillType,
    description:
      'Sends the destination the current row of every event captured from `from` until now that the store still holds (its filters as they are now), through the same merge: rows it has are not duplicated. The capture times sent become a period of kind backfill. Its chunks go after its syncs (the first at the next scheduler tick) while the destination is enabled; poll `backfill(id)`. One at a time per destination (BACKFILL_IN_PROGRESS); `from` must be before now (INVALID_BACKFILL_FROM).',
    authScopes: { writer: true },
    errors: { types: [NotFoundError, ValidationError], result: { name: 'BackfillStarted' } },
    args: { id: t.arg.id({ required: true }), from: t.arg({ type: 'DateTime', required: true }) },
    resolve: (_r, { id, from }, ctx) =>
      byUuidOrNotFound(id, 'destination', (uuid) =>
        ctx.sync.destinations.backfill(ctx.principal.orgId, uuid, from, `api-key:${ctx.principal.keyId}`),
      ),
  }),
);

builder.mutationField('cancelBackfill', (t) =>
  t.field({
    type: BackfillType,
    description:
      'Stops a backfill; what it sent stays, and its period ends where it stopped (at once, or once a chunk in flight is sent: cancelRequested). A finished backfill is refused with BACKFILL_FINISHED.',
    authScopes: { writer: true },
    errors: { types: [NotFoundError, ValidationError], result: { name: 'BackfillCancelled' } },
    args: { id: t.arg.id({ required: true, description: 'The backfill.' }) },
    resolve: (_r, { id }, ctx) =>
      byUuidOrNotFound(id, 'backfill', (uuid) => ctx.sync.destinations.cancelBackfill(ctx.principal.orgId, uuid)),
  }),
);
