import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

/**
 * The event store's size: rows as Postgres' statistics count them (live rows as the cumulative
 * statistics track inserts and deletes, else the planner's estimate from the last ANALYZE; an
 * exact count would scan every partition at each scrape) and bytes on disk, indexes and TOAST
 * included, over every daily partition.
 */
export async function storeSize(db: Database): Promise<{ rows: number; bytes: number }> {
  const [row] = await db.rows<{ rows: string; bytes: string }>(sql`
    select coalesce(sum(case when s.n_live_tup > 0 then s.n_live_tup else greatest(c.reltuples, 0) end), 0)::bigint::text as rows,
           coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint::text as bytes
    from pg_inherits i join pg_class c on c.oid = i.inhrelid left join pg_stat_all_tables s on s.relid = c.oid
    where i.inhparent = 'events'::regclass`);
  return { rows: Number(row?.rows ?? 0), bytes: Number(row?.bytes ?? 0) };
}

export interface DestinationHealth {
  id: string;
  orgId: string;
  name: string;
  pluginId: string;
  intervalMinutes: number;
  lastError: string | null;
  enabled: boolean;
  consecutiveFailures: number;
  lastErrorKind: string | null;
  lastSuccessTime: Date | null;
  /** When the snapshot the last successful run read up to was taken (else the destination's creation). */
  syncedUpTo: Date;
  pendingDeletions: number;
  /** What was last alerted of it (server/alerts/). */
  alerted: { failing: boolean; lagging: boolean };
}

/** Every destination's sync health, for the metrics and the alerts (one statement, whatever their number; all organizations). */
export async function destinationHealth(db: Database): Promise<DestinationHealth[]> {
  const rows = await db.rows<{
    id: string;
    org_id: string;
    name: string;
    plugin_id: string;
    interval_minutes: number;
    last_error: string | null;
    alerted_failing: boolean | null;
    alerted_lagging: boolean | null;
    enabled: boolean;
    consecutive_failures: number;
    last_error_kind: string | null;
    last_success_time: number | null;
    synced_up_to: number;
    pending_deletions: number;
  }>(sql`
    select d.id::text, d.org_id::text, d.name, d.plugin_id, d.interval_minutes, d.last_error, a.failing as alerted_failing, a.lagging as alerted_lagging, d.enabled, d.consecutive_failures, d.last_error_kind,
      extract(epoch from d.last_success_time)::float8 as last_success_time,
      extract(epoch from coalesce((select r.started_time from sync_runs r where r.destination_id = d.id and r.status = 'succeeded'
                order by r.queued_time desc limit 1), d.created_time))::float8 as synced_up_to,
      (select count(*) from deletion_destinations x where x.destination_id = d.id and x.status = 'pending')::int as pending_deletions
    from destinations d left join destination_alert_states a on a.destination_id = d.id`);
  return rows.map((r) => ({
    id: r.id,
    orgId: r.org_id,
    name: r.name,
    pluginId: r.plugin_id,
    intervalMinutes: r.interval_minutes,
    lastError: r.last_error,
    alerted: { failing: r.alerted_failing ?? false, lagging: r.alerted_lagging ?? false },
    enabled: r.enabled,
    consecutiveFailures: r.consecutive_failures,
    lastErrorKind: r.last_error_kind,
    lastSuccessTime: r.last_success_time === null ? null : new Date(r.last_success_time * 1000),
    syncedUpTo: new Date(r.synced_up_to * 1000),
    pendingDeletions: r.pending_deletions,
  }));
}
