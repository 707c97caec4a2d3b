import { deleteAlertWebhook, listAlertDeliveries, listAlertWebhooks, type AlertDeliveryRecord, type AlertWebhookRecord } from '../server/db/queries/alerts.ts';
import { MAX_WEBHOOKS_PER_ORG } from '../server/alerts/webhooks.ts';
import { builder } from './builder.ts';
import { isUuid, listCost } from './cursors.ts';
import { NotFoundError, ValidationError } from './errors.ts';

const MAX_DELIVERIES_PAGE = 100;

const AlertEventEnum = builder.enumType('AlertEvent', {
  values: {
    DESTINATION_FAILING: { value: 'destination.failing', description: 'The destination became FAILING.' },
    DESTINATION_RECOVERED: { value: 'destination.recovered', description: 'A FAILING destination synced again.' },
    DESTINATION_LAGGING: { value: 'destination.lagging', description: 'Its last successful sync read up to more than two intervals plus 15 minutes ago.' },
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
  description: 'A URL called, signed with its secret (never returned), when a destination of the organization fails, recovers, lags or catches up.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    createdBy: t.exposeString('createdBy', { description: 'The API key that made it (`api-key:<id>`).' }),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    deliveries: t.field({
      type: [AlertDeliveryType],
      complexity: (args) => listCost(Math.min(Math.max(args.first ?? 20, 1), MAX_DELIVERIES_PAGE)),
      args: { first: t.arg.int({ required: false, description: `Newest first; 1 to ${MAX_DELIVERIES_PAGE} (default 20).` }) },
      resolve: (w, { first }, ctx) => {
        const n = first ?? 20;
        if (!Number.isInteger(n) || n < 1 || n > MAX_DELIVERIES_PAGE) throw new ValidationError('INVALID_ARGUMENT', `first must be 1 to ${MAX_DELIVERIES_PAGE}`, 'first');
        return listAlertDeliveries(ctx.db, w.id, n);
      },
    }),
  }),
});

builder.queryField('alertWebhooks', (t) =>
  t.field({
    type: [AlertWebhookType],
    authScopes: { admin: true },
    complexity: listCost(MAX_WEBHOOKS_PER_ORG),
    resolve: (_r, _a, ctx) => listAlertWebhooks(ctx.db, ctx.principal.orgId),
  }),
);

const CreateAlertWebhookInput = builder.inputType('CreateAlertWebhookInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: 'http(s) URL, under the same host policy as destinations (TRIBUTARY_DESTINATION_HOSTS, private networks).' }),
    secret: t.string({ required: true, description: '16 to 256 characters; signs each call (HMAC-SHA256); stored encrypted, never returned.' }),
  }),
});

builder.mutationField('createAlertWebhook', (t) =>
  t.field({
    type: AlertWebhookType,
    authScopes: { admin: true },
    errors: { types: [ValidationError] },
    args: { input: t.arg({ type: CreateAlertWebhookInput, required: true }) },
    resolve: (_r, { input }, ctx) => ctx.alerts.createWebhook(ctx.principal.orgId, `api-key:${ctx.principal.keyId}`, input),
  }),
);

builder.mutationField('deleteAlertWebhook', (t) =>
  t.field({
    type: 'Boolean',
    authScopes: { admin: true },
    errors: { types: [NotFoundError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_r, { id }, ctx) => {
      if (!isUuid(String(id)) || !(await deleteAlertWebhook(ctx.db, ctx.principal.orgId, String(id)))) throw new NotFoundError('alert webhook');
      return true;
    },
  }),
);
