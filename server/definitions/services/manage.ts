import { randomBytes } from 'node:crypto';
import { pgErrorCode, type Database } from '../../db/client.ts';
import {
  activeDefinitionsReferring,
  activePageWithPriority,
  findDefinitions,
  getDefinition,
  insertDefinition,
  listDefinitions,
  maxActivePagePriority,
  setPagePriorities,
  updateDefinition,
  withDefinitionsWrite,
  type Definition,
  type DefinitionPatch,
} from '../../db/queries/definitions.ts';
import type { DefinitionKind } from '../../db/schema/index.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { DefinitionChanges } from './changes.ts';
import {
  validateElementRule,
  validateEventRule,
  validatePageRule,
  type ElementRule,
  type EventRule,
  type PageRule,
  type RuleValidation,
} from '../rules.ts';

/**
 * Creating, editing, archiving and ordering definitions: every check that needs the store
 * (references, priorities) runs in the write's transaction, under the organization's definitions
 * lock, so two concurrent writes cannot both pass a check the other breaks. Expected failures are
 * the host's `ValidationError` and `NotFoundError` (server/errors.ts).
 */

/** Who writes, recorded as `created_by` / `modified_by`. */
export type Actor = string;

export const PRIORITY_RANGE = { min: 0, max: 1_000_000_000 } as const;
/** Gap between priorities given by creation without one, and by a reorder: room to insert between. */
export const PRIORITY_STEP = 10;
const NAME_LENGTH = 200;
const DESCRIPTION_LENGTH = 2000;

const ID_PREFIX: Record<DefinitionKind, string> = { page: 'pd', element: 'el', event: 'ed' };
const LABEL: Record<DefinitionKind, string> = { page: 'page definition', element: 'element definition', event: 'event definition' };
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** `pd_`, `el_` or `ed_` then a ULID: readable, tells its kind, and sorts by creation time. */
export function newDefinitionId(kind: DefinitionKind, now = Date.now()): string {
  let time = '';
  for (let rest = now, i = 0; i < 10; i++, rest = Math.floor(rest / 32)) time = CROCKFORD[rest % 32]! + time;
  let random = '';
  for (const byte of randomBytes(16)) random += CROCKFORD[byte % 32]!;
  return `${ID_PREFIX[kind]}_${time}${random}`;
}

const invalid = (code: string, message: string, field: string | null = null) => new ValidationError(code, message, field);
const notFound = (kind: DefinitionKind, id: string) => new NotFoundError(`${LABEL[kind]} ${id}`);

/** What definition writes need: the store, and the app's notice of changes (made in server/app.ts). */
export interface DefinitionWriteDeps {
  db: Database;
  changes: DefinitionChanges;
}

async function attempt<T>({ db, changes }: DefinitionWriteDeps, orgId: string, fn: (tx: Database) => Promise<T>): Promise<T> {
  try {
    const value = await withDefinitionsWrite(db, orgId, fn);
    changes.announce(orgId);
    return value;
  } catch (error) {
    // The unique index on active page priorities is the last line of defence behind the checks.
    if (pgErrorCode(error) === '23505') throw invalid('DUPLICATE_PRIORITY', 'another active page definition has this priority', 'priority');
    throw error;
  }
}

function checkName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > NAME_LENGTH)
    throw invalid('INVALID_NAME', `name must be 1 to ${NAME_LENGTH} characters`, 'name');
  return trimmed;
}

function checkDescription(description: string | undefined): string | undefined {
  if (description !== undefined && description.length > DESCRIPTION_LENGTH) {
    throw invalid('INVALID_DESCRIPTION', `description must be at most ${DESCRIPTION_LENGTH} characters`, 'description');
  }
  return description;
}

function checkPriority(priority: number | undefined): void {
  if (priority === undefined) return;
  if (!Number.isInteger(priority) || priority < PRIORITY_RANGE.min || priority > PRIORITY_RANGE.max) {
    throw invalid('INVALID_PRIORITY', `priority must be an integer from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}`, 'priority');
  }
}

function validateRule(kind: DefinitionKind, rule: unknown): RuleValidation<PageRule | ElementRule | EventRule> {
  return kind === 'page' ? validatePageRule(rule) : kind === 'element' ? validateElementRule(rule) : validateEventRule(rule);
}

/** Validates a rule with the engine, then checks that the definitions it names are active ones of the organization. */
async function checkRule(tx: Database, orgId: string, kind: DefinitionKind, rule: unknown): Promise<unknown> {
  const validation = validateRule(kind, rule);
  if (!validation.ok) {
    const [first] = validation.errors;
    const field = first && first.path.length > 0 ? `rule.${first.path.join('.')}` : 'rule';
    throw invalid(first?.code ?? 'INVALID_RULE', validation.errors.map((e) => e.message).join('; '), field);
  }
  const references: { field: string; kind: DefinitionKind; id: string }[] = [];
  const { rule: checked } = validation;
  if ('pageDefinitionId' in checked && checked.pageDefinitionId !== undefined) {
    references.push({ field: 'rule.pageDefinitionId', kind: 'page', id: checked.pageDefinitionId });
  }
  if ('elementDefinitionId' in checked && checked.elementDefinitionId !== undefined) {
    references.push({ field: 'rule.elementDefinitionId', kind: 'element', id: checked.elementDefinitionId });
  }
  const found = await findDefinitions(
    tx,
    orgId,
    references.map((r) => r.id),
  );
  for (const reference of references) {
    const target = found.find((f) => f.id === reference.id && f.kind === reference.kind);
    // A definition of another organization is reported exactly like a missing one.
    if (!target) throw invalid('INVALID_REFERENCE', `there is no ${LABEL[reference.kind]} ${reference.id}`, reference.field);
    if (target.state !== 'active')
      throw invalid('INVALID_REFERENCE', `${LABEL[reference.kind]} ${reference.id} is archived`, reference.field);
  }
  return checked;
}

/**
 * Checks a rule exactly as creating a definition of `kind` would (shape, patterns, selectors,
 * regexes, references to active definitions), without writing anything: "test this rule".
 */
export function checkDefinitionRule(db: Database, orgId: string, kind: DefinitionKind, rule: unknown): Promise<unknown> {
  return checkRule(db, orgId, kind, rule);
}

async function checkPriorityFree(tx: Database, orgId: string, priority: number, exceptId: string | null): Promise<void> {
  const holder = await activePageWithPriority(tx, orgId, priority, exceptId);
  if (holder) {
    throw invalid('DUPLICATE_PRIORITY', `page definition ${holder.id} ("${holder.name}") already has priority ${priority}`, 'priority');
  }
}

export interface DefinitionInput {
  name: string;
  description?: string | undefined;
  rule: unknown;
  /** Page definitions: where it runs among the active ones (lower first); default after the last. */
  priority?: number | undefined;
}

export async function createDefinition(
  deps: DefinitionWriteDeps,
  orgId: string,
  actor: Actor,
  kind: DefinitionKind,
  input: DefinitionInput,
): Promise<Definition> {
  return attempt(deps, orgId, async (tx) => {
    const name = checkName(input.name)!;
    const description = checkDescription(input.description) ?? '';
    if (kind !== 'page' && input.priority !== undefined)
      throw invalid('INVALID_PRIORITY', 'only page definitions have a priority', 'priority');
    checkPriority(input.priority);
    const rule = await checkRule(tx, orgId, kind, input.rule);
    let priority: number | null = null;
    if (kind === 'page') {
      if (input.priority !== undefined) {
        await checkPriorityFree(tx, orgId, input.priority, null);
        priority = input.priority;
      } else {
        const max = await maxActivePagePriority(tx, orgId);
        priority = max === null ? PRIORITY_STEP : max + PRIORITY_STEP;
        if (priority > PRIORITY_RANGE.max)
          throw invalid('INVALID_PRIORITY', 'no priority is left after the last page definition: reorder them', 'priority');
      }
    }
    return insertDefinition(tx, { id: newDefinitionId(kind), orgId, kind, name, description, rule, priority, createdBy: actor });
  });
}

export interface DefinitionUpdate {
  name?: string | undefined;
  description?: string | undefined;
  /** Replaces the whole rule. */
  rule?: unknown;
  priority?: number | undefined;
}

/** Edits a definition (archived ones too: their names still show in the lookup tables). */
export async function editDefinition(
  deps: DefinitionWriteDeps,
  orgId: string,
  actor: Actor,
  kind: DefinitionKind,
  id: string,
  update: DefinitionUpdate,
): Promise<Definition> {
  return attempt(deps, orgId, async (tx) => {
    const current = await getDefinition(tx, orgId, kind, id);
    if (!current) throw notFound(kind, id);
    const patch: DefinitionPatch = {};
    const name = checkName(update.name);
    if (name !== undefined) patch.name = name;
    const description = checkDescription(update.description);
    if (description !== undefined) patch.description = description;
    if (update.rule !== undefined) patch.rule = await checkRule(tx, orgId, kind, update.rule);
    if (update.priority !== undefined) {
      if (kind !== 'page') throw invalid('INVALID_PRIORITY', 'only page definitions have a priority', 'priority');
      checkPriority(update.priority);
      if (current.state === 'active') await checkPriorityFree(tx, orgId, update.priority, id);
      patch.priority = update.priority;
    }
    if (Object.keys(patch).length === 0) throw invalid('EMPTY_UPDATE', 'give at least one of name, description, rule or priority');
    return (await updateDefinition(tx, orgId, id, patch, actor))!;
  });
}

/**
 * Archives a definition: it stops matching for events processed from now on, and stays in the
 * lookup tables. Refused while active definitions refer to it (they would silently stop matching).
 * Archiving an archived definition changes nothing.
 */
export async function archiveDefinition(
  deps: DefinitionWriteDeps,
  orgId: string,
  actor: Actor,
  kind: DefinitionKind,
  id: string,
): Promise<Definition> {
  return attempt(deps, orgId, async (tx) => {
    const current = await getDefinition(tx, orgId, kind, id);
    if (!current) throw notFound(kind, id);
    if (current.state === 'archived') return current;
    const dependents = await activeDefinitionsReferring(tx, orgId, id);
    if (dependents.length > 0) {
      throw invalid(
        'DEFINITION_IN_USE',
        `${LABEL[kind]} ${id} is used by active definitions ${dependents.map((d) => d.id).join(', ')}: archive or edit them first`,
        'id',
      );
    }
    return (await updateDefinition(tx, orgId, id, { state: 'archived' }, actor))!;
  });
}

/**
 * Sets the order of the organization's active page definitions: `ids` lists every one of them
 * exactly once, first match first. Priorities become 10, 20, 30 … in that order.
 */
export async function reorderPageDefinitions(
  deps: DefinitionWriteDeps,
  orgId: string,
  actor: Actor,
  ids: readonly string[],
): Promise<Definition[]> {
  return attempt(deps, orgId, async (tx) => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) throw invalid('DUPLICATE_PRIORITY', `page definition ${id} is listed more than once`, 'ids');
      seen.add(id);
    }
    const found = await findDefinitions(tx, orgId, ids);
    for (const id of ids) {
      const page = found.find((f) => f.id === id && f.kind === 'page');
      if (!page) throw notFound('page', id);
      if (page.state !== 'active')
        throw invalid('INVALID_REFERENCE', `page definition ${id} is archived: only active ones are ordered`, 'ids');
    }
    const missing = (await listDefinitions(tx, orgId, 'page', { includeArchived: false })).filter((p) => !seen.has(p.id));
    if (missing.length > 0) {
      throw invalid('INCOMPLETE_ORDER', `list every active page definition; missing: ${missing.map((p) => p.id).join(', ')}`, 'ids');
    }
    await setPagePriorities(
      tx,
      orgId,
      ids.map((id, i) => ({ id, priority: (i + 1) * PRIORITY_STEP })),
      actor,
    );
    return listDefinitions(tx, orgId, 'page', { includeArchived: false });
  });
}
