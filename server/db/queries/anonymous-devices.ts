import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { anonymousDevices } from '../schema/index.ts';

/** The recorded device of each of these anonymousIds (ids never seen are absent). */
export async function findAnonymousDevices(db: Database, orgId: string, anonymousIds: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  if (anonymousIds.length === 0) return found;
  const rows = await db.orm
    .select({ anonymousId: anonymousDevices.anonymousId, deviceId: anonymousDevices.deviceId })
    .from(anonymousDevices)
    .where(and(eq(anonymousDevices.orgId, orgId), inArray(anonymousDevices.anonymousId, anonymousIds)));
  for (const r of rows) found.set(r.anonymousId, String(r.deviceId));
  return found;
}

/**
 * Records each candidate device of an anonymousId unless the id already has one or the device
 * belongs to another id; returns the anonymousIds recorded now.
 */
export async function claimAnonymousDevices(
  db: Database,
  orgId: string,
  candidates: { anonymousId: string; deviceId: string }[],
): Promise<Set<string>> {
  if (candidates.length === 0) return new Set();
  const rows = await db.orm
    .insert(anonymousDevices)
    .values(candidates.map((c) => ({ orgId, anonymousId: c.anonymousId, deviceId: BigInt(c.deviceId) })))
    .onConflictDoNothing()
    .returning({ anonymousId: anonymousDevices.anonymousId });
  return new Set(rows.map((r) => r.anonymousId));
}
