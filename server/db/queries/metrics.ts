import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';

/**
 * The event store's size: rows as the planner estimates them (exact counts would scan every
 * partition at each scrape; the estimate is refreshed by autovacuum's ANALYZE) and bytes on disk,
 * indexes and TOAST included, over every daily partition.
 */
export async function storeSize(db: Database): Promise<{ rows: number; bytes: number }> {
  const [row] = await db.rows<{ rows: string; bytes: string }>(sql`
    select coalesce(sum(greatest(c.reltuples, 0)), 0)::bigint::text as rows,
           coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint::text as bytes
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'events'::regclass`);
  return { rows: Number(row?.rows ?? 0), bytes: Number(row?.bytes ?? 0) };
}

export interface DestinationHealth {
  id: string;
  pluginId: string;
  enabled: boolean;
  consecutiveFailures: number;
  lastErrorKind: string | null;
  lastSuccessTime: Date | null;
  /** When the snapshot the last successful run read up to was taken (else the destination's creation). */
  syncedUpTo: Date;
  pendingDeletions: number;
}

/** Every destination's sync health, for the metrics and the alerts (one statement, whatever their number). */
export async function destinationHealth(db: Database): Promise<DestinationHealth[]> {
  const rows = await db.rows<{
    id: string;
    plugin_id: string;
    enabled: boolean;
    consecutive_failures: number;
    last_error_kind: string | null;
    last_success_time: number | null;
    synced_up_to: number;
    pending_deletions: number;
  }>(sql`
    select d.id::text, d.plugin_id, d.enabled, d.consecutive_failures, d.last_error_kind,
      extract(epoch from d.last_success_time)::float8 as last_success_time,
      extract(epoch from coalesce((select r.started_time from sync_runs r where r.destination_id = d.id and r.status = 'succeeded'
                order by r.queued_time desc limit 1), d.created_time))::float8 as synced_up_to,
      (select count(*) from deletion_destinations x where x.destination_id = d.id and x.status = 'pending')::int as pending_deletions
    from destinations d`);
  return rows.map((r) => ({
    id: r.id,
    pluginId: r.plugin_id,
    enabled: r.enabled,
    consecutiveFailures: r.consecutive_failures,
    lastErrorKind: r.last_error_kind,
    lastSuccessTime: r.last_success_time === null ? null : new Date(r.last_success_time * 1000),
    syncedUpTo: new Date(r.synced_up_to * 1000),
    pendingDeletions: r.pending_deletions,
  }));
}
