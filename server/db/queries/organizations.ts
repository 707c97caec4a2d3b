import { asc, eq } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { organizations } from '../schema/index.ts';

export type Organization = typeof organizations.$inferSelect;

export async function createOrganization(db: Database, name: string): Promise<Organization> {
  const [org] = await db.orm.insert(organizations).values({ name }).returning();
  return org!;
}

export async function getOrganization(db: Database, id: string): Promise<Organization | undefined> {
  const [org] = await db.orm.select().from(organizations).where(eq(organizations.id, id));
  return org;
}

export async function countOrganizations(db: Database): Promise<number> {
  const rows = await db.orm.select({ id: organizations.id }).from(organizations).orderBy(asc(organizations.createdTime)).limit(1);
  return rows.length;
}
