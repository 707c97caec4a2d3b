import {
  deleteAlertWebhook,
  listAlertDeliveries,
  listAlertWebhooks,
  type AlertDeliveryRecord,
  type AlertWebhookRecord,
} from '../server/db/queries/alerts.ts';
import { MAX_WEBHOOKS_PER_ORG } from '../server/alerts/webhooks.ts';
import { builder } from './builder.ts';
import { connectionByPosition, connectionCost } from './cursors.ts';
import { byUuidOrNotFound, NotFoundError, ValidationError } from './errors.ts';

const AlertEventEnum = builder.enumType('AlertEvent', {
  values: {
    DESTINATION_FAILING: { value: 'destination.failing', description: 'The destination became FAILING.' },
    DESTINATION_RECOVERED: { value: 'destination.recovered', description: 'A FAILING destination synced again.' },
    DESTINATION_LAGGING: {
      value: 'destination.lagging',
      description: 'Its last successful sync read up to more than two intervals plus 15 minutes ago.',
    },
    DESTINATION_CAUGHT_UP: { value: 'destination.caught_up', description: 'A lagging destination caught up.' },
  } as const,
});

const AlertDeliveryStatusEnum = builder.enumType('AlertDeliveryStatus', {
  values: {
    pending: { description: 'Not delivered yet: sent at its next attempt time.' },
    delivered: { description: 'The webhook answered 2xx.' },
    failed: { description: 'Every attempt failed; no more are made.' },
  } as const,
});

const AlertDeliveryType = builder.objectRef<AlertDeliveryRecord>('AlertDelivery').implement({
  description: 'One alert sent (or being sent) to one webhook, and how it went.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Sent as X-Tributary-Delivery: receivers deduplicate retries with it.' }),
    event: t.expose('event', { type: AlertEventEnum }),
    destinationId: t.exposeID('destinationId'),
    status: t.expose('status', { type: AlertDeliveryStatusEnum }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true }),
    lastError: t.exposeString('lastError', { nullable: true }),
    body: t.exposeString('body', { description: 'The JSON body sent, as signed.' }),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    nextAttemptTime: t.expose('nextAttemptTime', { type: 'DateTime' }),
    deliveredTime: t.expose('deliveredTime', { type: 'DateTime', nullable: true }),
  }),
});

const AlertWebhookType = builder.objectRef<AlertWebhookRecord>('AlertWebhook').implement({
  description:
    'A URL called, signed with its secret (never returned), when a destination of the organization fails, recovers, lags or catches up.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    createdBy: t.exposeString('createdBy', { description: 'The API key that made it (`api-key:<id>`).' }),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    deliveries: t.connection(
      {
        type: AlertDeliveryType,
        description: 'Newest first.',
        complexity: connectionCost,
        resolve: (w, args, ctx) => connectionByPosition(args, (limit) => listAlertDeliveries(ctx.db, w.id, limit)),
      },
      { name: 'AlertDeliveryConnection' },
      { name: 'AlertDeliveryEdge' },
    ),
  }),
});

builder.queryField('alertWebhooks', (t) =>
  t.connection(
    {
      type: AlertWebhookType,
      description: `At most ${MAX_WEBHOOKS_PER_ORG} per organization.`,
      authScopes: { admin: true },
      complexity: connectionCost,
      resolve: (_r, args, ctx) => connectionByPosition(args, () => listAlertWebhooks(ctx.db, ctx.principal.orgId)),
    },
    { name: 'AlertWebhookConnection' },
    { name: 'AlertWebhookEdge' },
  ),
);

const CreateAlertWebhookInput = builder.inputType('CreateAlertWebhookInput', {
  fields: (t) => ({
    url: t.string({
      required: true,
      description: 'http(s) URL, under the same host policy as destinations (TRIBUTARY_DESTINATION_HOSTS, private networks).',
    }),
    secret: t.string({
      required: true,
      description: '16 to 256 characters; signs each call (HMAC-SHA256); stored encrypted, never returned.',
    }),
  }),
});

builder.mutationField('createAlertWebhook', (t) =>
  t.field({
    type: AlertWebhookType,
    authScopes: { admin: true },
    errors: { types: [ValidationError], result: { name: 'AlertWebhookCreated' } },
    args: { input: t.arg({ type: CreateAlertWebhookInput, required: true }) },
    resolve: (_r, { input }, ctx) => ctx.alerts.createWebhook(ctx.principal.orgId, `api-key:${ctx.principal.keyId}`, input),
  }),
);

builder.mutationField('deleteAlertWebhook', (t) =>
  t.field({
    type: 'Boolean',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], result: { name: 'AlertWebhookDeleted' } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) =>
      byUuidOrNotFound(id, 'alert webhook', async (uuid) => (await deleteAlertWebhook(ctx.db, ctx.principal.orgId, uuid)) || null),
  }),
);
