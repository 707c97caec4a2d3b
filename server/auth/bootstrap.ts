import type { Database } from '../db/client.ts';
import { createOrganization, firstOrganization } from '../db/queries/organizations.ts';
import { createApiKey } from './api-keys.ts';

/**
 * On the very first start (no organization yet) creates the default organization with an admin
 * key and a capture key, and returns them so main.ts can print them once.
 */
export async function bootstrapFirstOrganization(db: Database): Promise<{ orgId: string; adminKey: string; captureKey: string } | null> {
  if (await firstOrganization(db)) return null;
  return db.transaction(async (tx) => {
    const org = await createOrganization(tx, 'Default organization');
    const admin = await createApiKey(tx, { orgId: org.id, name: 'bootstrap admin', role: 'admin', createdBy: 'bootstrap' });
    const capture = await createApiKey(tx, { orgId: org.id, name: 'bootstrap capture', role: 'capture', createdBy: 'bootstrap' });
    return { orgId: org.id, adminKey: admin.key, captureKey: capture.key };
  });
}
