import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { utcTimestamp } from './columns.ts';
import { organizations, orgIdColumn } from './organizations.ts';

export const DEFINITION_KINDS = ['page', 'element', 'event'] as const;
/** What a definition names: a page (URL rule), an element (CSS selector) or an event (rule over an event). */
export type DefinitionKind = (typeof DEFINITION_KINDS)[number];

export const DEFINITION_STATES = ['active', 'archived'] as const;
export type DefinitionState = (typeof DEFINITION_STATES)[number];

/**
 * Page, element and event definitions (docs/definitions.md, docs/definitions.md), one table for the three
 * kinds: they share every column but `priority`, and the warehouse lookup tables are split by
 * `kind`. Ids are readable and stable (`pd_…`, `el_…`, `ed_…`, then a time-ordered ULID), so a
 * definition id in an event row tells its kind. Archived definitions stay forever: warehouse rows
 * keep referring to them, and the lookup tables keep showing their names.
 */
export const definitions = pgTable(
  'definitions',
  {
    id: text('id').primaryKey(),
    orgId: orgIdColumn(),
    kind: text('kind').$type<DefinitionKind>().notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    state: text('state').$type<DefinitionState>().notNull().default('active'),
    /** 1 on creation, incremented by every edit (rule, name, description, priority, state). */
    version: integer('version').notNull().default(1),
    /** The rule as the engine validates it (server/definitions/rules.ts). */
    rule: jsonb('rule').notNull(),
    /** Page definitions only: lower runs first; unique among the organization's active pages. */
    priority: integer('priority'),
    createdTime: utcTimestamp('created_time').notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    modifiedTime: utcTimestamp('modified_time').notNull().defaultNow(),
    modifiedBy: text('modified_by').notNull(),
  },
  (t) => [
    index('definitions_org_kind_idx').on(t.orgId, t.kind, t.state),
    uniqueIndex('definitions_active_page_priority_idx')
      .on(t.orgId, t.priority)
      .where(sql`${t.kind} = 'page' and ${t.state} = 'active'`),
    check('definitions_kind_check', sql`${t.kind} in ('page', 'element', 'event')`),
    check('definitions_state_check', sql`${t.state} in ('active', 'archived')`),
    check('definitions_priority_check', sql`(${t.kind} = 'page') = (${t.priority} is not null)`),
  ],
);

/**
 * One counter per organization, incremented in the transaction of every definition write. Its row
 * lock serialises an organization's definition writes (priority and reference checks cannot race),
 * and enrichment compares it with the version it compiled to know when to compile again.
 */
export const definitionVersions = pgTable('definition_versions', {
  orgId: uuid('org_id')
    .primaryKey()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: 'number' }).notNull(),
});
