import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { apiKeys, type ApiKeyRole } from '../schema/index.ts';

export type ApiKey = typeof apiKeys.$inferSelect;

export async function insertApiKey(
  db: Database,
  values: { orgId: string; name: string; role: ApiKeyRole; prefix: string; keyHash: string; createdBy: string; allowedOrigins: string[] },
): Promise<ApiKey> {
  const [row] = await db.orm.insert(apiKeys).values(values).returning();
  return row!;
}

export async function findApiKeyByHash(db: Database, keyHash: string): Promise<ApiKey | undefined> {
  const [row] = await db.orm.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row;
}

export async function listApiKeys(db: Database, orgId: string): Promise<ApiKey[]> {
  return db.orm.select().from(apiKeys).where(eq(apiKeys.orgId, orgId)).orderBy(desc(apiKeys.createdTime));
}

/** Revokes a key of the organization; returns it, or undefined when the organization has no such live key. */
export async function revokeApiKey(db: Database, orgId: string, id: string): Promise<ApiKey | undefined> {
  const [row] = await db.orm
    .update(apiKeys)
    .set({ revokedTime: new Date() })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id), isNull(apiKeys.revokedTime)))
    .returning();
  return row;
}
