import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { users } from '../schema/index.ts';

export interface UserRecord {
  uid: string;
  deviceId: string;
  displayName: string | null;
  email: string | null;
  properties: Record<string, unknown>;
  updatedTime: Date;
}

/** An identified user of the organization (from identify events and POST /v2/users). */
export async function getUser(db: Database, orgId: string, uid: string): Promise<UserRecord | undefined> {
  const [row] = await db.orm
    .select()
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.uid, uid)));
  if (!row) return undefined;
  return {
    uid: row.uid,
    deviceId: String(row.deviceId),
    displayName: row.displayName,
    email: row.email,
    properties: (row.properties as Record<string, unknown> | null) ?? {},
    updatedTime: row.updatedTime,
  };
}

/** The device each known user was last seen on (users without a row are absent from the map). */
export async function findUserDevices(db: Database, orgId: string, uids: string[]): Promise<Map<string, string>> {
  const devices = new Map<string, string>();
  if (uids.length === 0) return devices;
  const rows = await db.orm
    .select({ uid: users.uid, deviceId: users.deviceId })
    .from(users)
    .where(and(eq(users.orgId, orgId), inArray(users.uid, [...new Set(uids)])));
  for (const r of rows) devices.set(r.uid, String(r.deviceId));
  return devices;
}
