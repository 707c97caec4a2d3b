import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { utcTimestamp } from './columns.ts';
import { destinations } from './destinations.ts';
import { orgIdColumn } from './organizations.ts';

/**
 * An organization's alert webhook (issue #16): called when one of its destinations becomes
 * FAILING, recovers, or falls behind. The secret signs each call; it is stored sealed like
 * destination credentials and never returned.
 */
export const alertWebhooks = pgTable(
  'alert_webhooks',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    orgId: orgIdColumn(),
    url: text('url').notNull(),
    /** The signing secret, sealed (server/auth/secrets.ts). */
    secret: text('secret').notNull(),
    createdBy: text('created_by').notNull(),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
  },
  (t) => [index('alert_webhooks_org_idx').on(t.orgId)],
);

export type AlertEvent = 'destination.failing' | 'destination.recovered' | 'destination.lagging' | 'destination.caught_up';

/** One alert to one webhook, and how its delivery went: kept as the record of what was sent. */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => alertWebhooks.id, { onDelete: 'cascade' }),
    orgId: uuid('org_id').notNull(),
    event: text('event').$type<AlertEvent>().notNull(),
    /** No foreign key: the record outlives a deleted destination. */
    destinationId: uuid('destination_id').notNull(),
    /** The JSON body sent (signed as sent). */
    body: text('body').notNull(),
    status: text('status').$type<'pending' | 'delivered' | 'failed'>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptTime: utcTimestamp('next_attempt_time').notNull().defaultNow(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
    deliveredTime: utcTimestamp('delivered_time'),
  },
  (t) => [
    index('alert_deliveries_due_idx')
      .on(t.nextAttemptTime)
      .where(sql`${t.status} = 'pending'`),
    index('alert_deliveries_webhook_idx').on(t.webhookId, t.createdTime),
  ],
);

/** What was last alerted of each destination: an alert goes out once per change, whichever instance sees it. */
export const destinationAlertStates = pgTable('destination_alert_states', {
  destinationId: uuid('destination_id')
    .primaryKey()
    .references(() => destinations.id, { onDelete: 'cascade' }),
  failing: boolean('failing').notNull().default(false),
  lagging: boolean('lagging').notNull().default(false),
  updatedTime: utcTimestamp('updated_time').notNull().defaultNow(),
});
