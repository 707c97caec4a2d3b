import { sql } from 'drizzle-orm';
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { utcTimestamp } from './columns.ts';
import { orgIdColumn } from './organizations.ts';

export const API_KEY_ROLES = ['admin', 'architect', 'analyst', 'capture'] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    orgId: orgIdColumn(),
    name: text('name').notNull(),
    role: text('role').$type<ApiKeyRole>().notNull(),
    /** First characters of the key, shown so people can tell keys apart; the key itself is never stored. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key (keys are 32 random bytes, so a fast hash is enough). */
    keyHash: text('key_hash').notNull().unique(),
    /** Capture keys only: origins allowed to send events from a browser (empty: any). */
    allowedOrigins: text('allowed_origins')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdBy: text('created_by').notNull(),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
    revokedTime: utcTimestamp('revoked_time'),
  },
  (t) => [index('api_keys_org_idx').on(t.orgId)],
);
