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

/** The oldest organization (the default one created on the first start), if any. */
export async function firstOrganization(db: Database): Promise<Organization | undefined> {
  const [org] = await db.orm.select().from(organizations).orderBy(asc(organizations.createdTime)).limit(1);
  return org;
}
