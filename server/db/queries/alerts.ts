import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { alertDeliveries, alertWebhooks, type AlertEvent } from '../schema/index.ts';

export type AlertWebhookRecord = Omit<typeof alertWebhooks.$inferSelect, 'secret'>;
export type AlertDeliveryRecord = typeof alertDeliveries.$inferSelect;

const publicColumns = {
  id: alertWebhooks.id,
  orgId: alertWebhooks.orgId,
  url: alertWebhooks.url,
  createdBy: alertWebhooks.createdBy,
  createdTime: alertWebhooks.createdTime,
};

export async function insertAlertWebhook(
  db: Database,
  values: { orgId: string; url: string; sealedSecret: string; createdBy: string },
): Promise<AlertWebhookRecord> {
  const [row] = await db.orm
    .insert(alertWebhooks)
    .values({ orgId: values.orgId, url: values.url, secret: values.sealedSecret, createdBy: values.createdBy })
    .returning(publicColumns);
  return row!;
}

export async function countAlertWebhooks(db: Database, orgId: string): Promise<number> {
  const [row] = await db.rows<{ n: number }>(sql`select count(*)::int as n from alert_webhooks where org_id = ${orgId}`);
  return row?.n ?? 0;
}

export async function listAlertWebhooks(db: Database, orgId: string): Promise<AlertWebhookRecord[]> {
  return db.orm.select(publicColumns).from(alertWebhooks).where(eq(alertWebhooks.orgId, orgId)).orderBy(alertWebhooks.createdTime);
}

/** Deletes a webhook of the organization, with its delivery records; false when there is none. */
export async function deleteAlertWebhook(db: Database, orgId: string, id: string): Promise<boolean> {
  const rows = await db.orm
    .delete(alertWebhooks)
    .where(and(eq(alertWebhooks.orgId, orgId), eq(alertWebhooks.id, id)))
    .returning({ id: alertWebhooks.id });
  return rows.length > 0;
}

/** A webhook's deliveries, newest first. */
export async function listAlertDeliveries(db: Database, webhookId: string, limit: number): Promise<AlertDeliveryRecord[]> {
  return db.orm
    .select()
    .from(alertDeliveries)
    .where(eq(alertDeliveries.webhookId, webhookId))
    .orderBy(desc(alertDeliveries.createdTime))
    .limit(limit);
}

/**
 * Records a destination's new alert state and queues one delivery of each alert to every
 * webhook of its organization, in one transaction, only if the state is still `from`: of
 * several instances seeing the same change, one alerts. Returns whether this call did.
 */
export async function recordAlertTransition(
  db: Database,
  change: {
    destinationId: string;
    orgId: string;
    from: { failing: boolean; lagging: boolean };
    to: { failing: boolean; lagging: boolean };
    alerts: { event: AlertEvent; body: string }[];
  },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { destinationId, from, to } = change;
    const moved = await tx.rows(sql`
      insert into destination_alert_states (destination_id, failing, lagging) values (${destinationId}, ${to.failing}, ${to.lagging})
      on conflict (destination_id) do update set failing = excluded.failing, lagging = excluded.lagging, updated_time = now()
      where destination_alert_states.failing = ${from.failing} and destination_alert_states.lagging = ${from.lagging}
      returning destination_id`);
    if (moved.length === 0) return false;
    for (const alert of change.alerts) {
      await tx.rows(sql`
        insert into alert_deliveries (webhook_id, org_id, event, destination_id, body)
        select id, org_id, ${alert.event}, ${destinationId}, ${alert.body} from alert_webhooks where org_id = ${change.orgId}`);
    }
    return true;
  });
}

export interface DueDelivery {
  id: string;
  event: AlertEvent;
  body: string;
  attempts: number;
  url: string;
  sealedSecret: string;
}

/**
 * Claims up to `limit` deliveries due now (SKIP LOCKED: instances share the work), counting the
 * attempt and holding them for `leaseMs` (a crashed instance's claims come back after it).
 */
export async function claimDueDeliveries(db: Database, limit: number, leaseMs: number): Promise<DueDelivery[]> {
  return db.rows<DueDelivery>(sql`
    with due as (
      select id from alert_deliveries where status = 'pending' and next_attempt_time <= now()
      order by next_attempt_time limit ${limit} for update skip locked)
    update alert_deliveries d set attempts = d.attempts + 1, next_attempt_time = now() + ${leaseMs} * interval '1 millisecond'
    from due, alert_webhooks w
    where d.id = due.id and w.id = d.webhook_id
    returning d.id::text as id, d.event, d.body, d.attempts, w.url, w.secret as "sealedSecret"`);
}

/** The outcome of one attempt: delivered, failed for good, or due again at `retryAt`. */
export async function recordDeliveryAttempt(
  db: Database,
  id: string,
  outcome: { statusCode: number | null; error: string | null } & (
    { status: 'delivered' | 'failed' } | { status: 'pending'; retryAt: Date }
  ),
): Promise<void> {
  await db.orm
    .update(alertDeliveries)
    .set({
      status: outcome.status,
      lastStatusCode: outcome.statusCode,
      lastError: outcome.error,
      ...(outcome.status === 'delivered' ? { deliveredTime: new Date() } : {}),
      ...(outcome.status === 'pending' ? { nextAttemptTime: outcome.retryAt } : {}),
    })
    .where(eq(alertDeliveries.id, id));
}
