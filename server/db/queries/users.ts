import { and, asc, count, eq, inArray, type SQL } from 'drizzle-orm';
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

const toRecord = (row: typeof users.$inferSelect): UserRecord => ({
  uid: row.uid,
  deviceId: String(row.deviceId),
  displayName: row.displayName,
  email: row.email,
  properties: (row.properties as Record<string, unknown> | null) ?? {},
  updatedTime: row.updatedTime,
});

/** An identified user of the organization (from identify events and POST /v2/users). */
export async function getUser(db: Database, orgId: string, uid: string): Promise<UserRecord | undefined> {
  const [row] = await db.orm
    .select()
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.uid, uid)));
  return row ? toRecord(row) : undefined;
}

/** The users of the organization matching every given field exactly, by uid, one page at a time. */
export async function listUsers(
  db: Database,
  orgId: string,
  filter: { uid?: string; email?: string; displayName?: string },
  page: { offset: number; limit: number },
): Promise<{ users: UserRecord[]; total: number }> {
  const conditions: SQL[] = [eq(users.orgId, orgId)];
  if (filter.uid !== undefined) conditions.push(eq(users.uid, filter.uid));
  if (filter.email !== undefined) conditions.push(eq(users.email, filter.email));
  if (filter.displayName !== undefined) conditions.push(eq(users.displayName, filter.displayName));
  const where = and(...conditions);
  const [{ total }] = (await db.orm.select({ total: count() }).from(users).where(where)) as [{ total: number }];
  const rows = await db.orm.select().from(users).where(where).orderBy(asc(users.uid)).offset(page.offset).limit(page.limit);
  return { users: rows.map(toRecord), total: Number(total) };
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
