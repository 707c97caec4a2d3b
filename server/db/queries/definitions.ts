import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { definitions, definitionVersions, type DefinitionKind, type DefinitionState } from '../schema/index.ts';
import { utcText, withIsoTimes } from './utc-time.ts';

export type Definition = typeof definitions.$inferSelect;

/**
 * Runs `fn` in one transaction that first increments the organization's definitions version. The
 * version row stays locked until commit, so an organization's definition writes run one at a time
 * (priority and reference checks cannot race), and enrichment sees the new version once committed.
 * A throw inside `fn` rolls everything back, the version included.
 */
export async function withDefinitionsWrite<T>(db: Database, orgId: string, fn: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.orm
      .insert(definitionVersions)
      .values({ orgId, version: 1 })
      .onConflictDoUpdate({ target: definitionVersions.orgId, set: { version: sql`${definitionVersions.version} + 1` } });
    return fn(tx);
  });
}

/** The organization's definitions version: 0 before its first definition write. */
export async function definitionsVersion(db: Database, orgId: string): Promise<number> {
  const [row] = await db.orm
    .select({ version: definitionVersions.version })
    .from(definitionVersions)
    .where(eq(definitionVersions.orgId, orgId));
  return row?.version ?? 0;
}

/** Definitions of one kind: active ones first; pages in priority order, the others oldest first. */
export async function listDefinitions(
  db: Database,
  orgId: string,
  kind: DefinitionKind,
  options: { includeArchived: boolean },
): Promise<Definition[]> {
  const where = [eq(definitions.orgId, orgId), eq(definitions.kind, kind)];
  if (!options.includeArchived) where.push(eq(definitions.state, 'active'));
  return db.orm
    .select()
    .from(definitions)
    .where(and(...where))
    .orderBy(asc(definitions.state), asc(definitions.priority), asc(definitions.createdTime), asc(definitions.id));
}

/** One definition of the organization, of that kind; undefined when it has none with that id. */
export async function getDefinition(db: Database, orgId: string, kind: DefinitionKind, id: string): Promise<Definition | undefined> {
  const [row] = await db.orm
    .select()
    .from(definitions)
    .where(and(eq(definitions.orgId, orgId), eq(definitions.kind, kind), eq(definitions.id, id)));
  return row;
}

/** The organization's definitions among `ids` (any kind, any state); ids of other organizations are not returned. */
export async function findDefinitions(db: Database, orgId: string, ids: readonly string[]): Promise<Definition[]> {
  if (ids.length === 0) return [];
  return db.orm
    .select()
    .from(definitions)
    .where(and(eq(definitions.orgId, orgId), inArray(definitions.id, [...ids])));
}

export interface NewDefinition {
  id: string;
  orgId: string;
  kind: DefinitionKind;
  name: string;
  description: string;
  rule: unknown;
  priority: number | null;
  createdBy: string;
}

export async function insertDefinition(db: Database, values: NewDefinition): Promise<Definition> {
  const [row] = await db.orm
    .insert(definitions)
    .values({ ...values, modifiedBy: values.createdBy })
    .returning();
  return row!;
}

export interface DefinitionPatch {
  name?: string;
  description?: string;
  rule?: unknown;
  priority?: number;
  state?: DefinitionState;
}

/** Applies an edit: increments the version and records who made it and when. */
export async function updateDefinition(
  db: Database,
  orgId: string,
  id: string,
  patch: DefinitionPatch,
  modifiedBy: string,
): Promise<Definition | undefined> {
  const [row] = await db.orm
    .update(definitions)
    .set({ ...patch, version: sql`${definitions.version} + 1`, modifiedTime: sql`now()`, modifiedBy })
    .where(and(eq(definitions.orgId, orgId), eq(definitions.id, id)))
    .returning();
  return row;
}

/** The highest priority among the organization's active page definitions, or null when it has none. */
export async function maxActivePagePriority(db: Database, orgId: string): Promise<number | null> {
  const [row] = await db.orm
    .select({ max: sql<number | null>`max(${definitions.priority})` })
    .from(definitions)
    .where(and(eq(definitions.orgId, orgId), eq(definitions.kind, 'page'), eq(definitions.state, 'active')));
  return row?.max === null || row?.max === undefined ? null : Number(row.max);
}

/** The active page definition holding `priority`, other than `exceptId`. */
export async function activePageWithPriority(
  db: Database,
  orgId: string,
  priority: number,
  exceptId: string | null,
): Promise<Definition | undefined> {
  const where = [
    eq(definitions.orgId, orgId),
    eq(definitions.kind, 'page'),
    eq(definitions.state, 'active'),
    eq(definitions.priority, priority),
  ];
  if (exceptId !== null) where.push(ne(definitions.id, exceptId));
  const [row] = await db.orm
    .select()
    .from(definitions)
    .where(and(...where));
  return row;
}

/** Active definitions whose rule refers to `id` (as `pageDefinitionId` or `elementDefinitionId`). */
export async function activeDefinitionsReferring(db: Database, orgId: string, id: string): Promise<Definition[]> {
  return db.orm
    .select()
    .from(definitions)
    .where(
      and(
        eq(definitions.orgId, orgId),
        eq(definitions.state, 'active'),
        sql`(${definitions.rule}->>'pageDefinitionId' = ${id} or ${definitions.rule}->>'elementDefinitionId' = ${id})`,
      ),
    )
    .orderBy(asc(definitions.id));
}

/**
 * Gives page definitions new priorities; those whose priority changes get a new version. The
 * unique index on active priorities is checked row by row, so the rows first move above every
 * priority in use, then to their places.
 */
export async function setPagePriorities(
  db: Database,
  orgId: string,
  order: readonly { id: string; priority: number }[],
  modifiedBy: string,
): Promise<void> {
  if (order.length === 0) return;
  const ids = order.map((o) => o.id);
  const current = await findDefinitions(db, orgId, ids);
  const changed = order.filter((o) => current.find((c) => c.id === o.id)?.priority !== o.priority);
  if (changed.length === 0) return;
  const changedIds = changed.map((o) => o.id);
  const ceiling = Math.max(...current.map((c) => c.priority ?? 0), ...order.map((o) => o.priority));
  const position = sql.join(
    changed.map((o, i) => sql`when ${o.id} then ${i + 1}::int`),
    sql` `,
  );
  const target = sql.join(
    changed.map((o) => sql`when ${o.id} then ${o.priority}::int`),
    sql` `,
  );
  const scope = and(eq(definitions.orgId, orgId), inArray(definitions.id, changedIds));
  await db.orm
    .update(definitions)
    .set({ priority: sql`${ceiling}::int + (case ${definitions.id} ${position} end)` })
    .where(scope);
  await db.orm
    .update(definitions)
    .set({
      priority: sql`case ${definitions.id} ${target} end`,
      version: sql`${definitions.version} + 1`,
      modifiedTime: sql`now()`,
      modifiedBy,
    })
    .where(scope);
}

/** What compiling needs of the organization's active definitions. */
export interface ActiveDefinition {
  id: string;
  kind: DefinitionKind;
  priority: number | null;
  rule: unknown;
  createdTime: Date;
}

export async function listActiveDefinitions(db: Database, orgId: string): Promise<ActiveDefinition[]> {
  return db.orm
    .select({
      id: definitions.id,
      kind: definitions.kind,
      priority: definitions.priority,
      rule: definitions.rule,
      createdTime: definitions.createdTime,
    })
    .from(definitions)
    .where(and(eq(definitions.orgId, orgId), eq(definitions.state, 'active')));
}

/** A definition as the warehouse lookup tables show it; times are ISO-8601 UTC with microseconds. */
export interface DefinitionLookupRecord {
  id: string;
  kind: DefinitionKind;
  name: string;
  description: string;
  state: DefinitionState;
  version: number;
  rule: unknown;
  created_time: string;
  created_by: string;
  modified_time: string;
  modified_by: string;
}

/** Every definition of the organization, active and archived, with its current name. */
export async function listDefinitionLookupRecords(db: Database, orgId: string): Promise<DefinitionLookupRecord[]> {
  const rows = await db.rows<DefinitionLookupRecord>(sql`
    select id, kind, name, description, state, version, rule,
      ${utcText('created_time')} as created_time, created_by,
      ${utcText('modified_time')} as modified_time, modified_by
    from definitions
    where org_id = ${orgId}
    order by kind, id`);
  return withIsoTimes(rows, ['created_time', 'modified_time']).map((row) => ({ ...row, version: Number(row.version) }));
}
