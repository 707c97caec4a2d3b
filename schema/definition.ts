import type { Definition } from '../server/db/queries/definitions.ts';
import { getDefinition, listDefinitions } from '../server/db/queries/definitions.ts';
import { listEvents, type EventListRow } from '../server/db/queries/events.ts';
import type { DefinitionKind } from '../server/db/schema/index.ts';
import {
  archiveDefinition,
  checkDefinitionRule,
  createDefinition,
  editDefinition,
  reorderPageDefinitions,
} from '../server/definitions/services/manage.ts';
import { builder } from './builder.ts';
import type { GraphQLContext } from './context.ts';
import { connectionByPosition, connectionCost, listCost, pageSize } from './cursors.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { EventType } from './event.ts';
import { RULE_TEST_WINDOW, rowsMatchingRule } from './rule-matches.ts';

// how many definitions of a kind an organization has in practice: a list multiplies its selection by it
const DEFINITIONS_PER_KIND = 100;

/**
 * Page, element and event definitions (docs/definitions.md): admins and architects write them,
 * analysts read them. Rules come in as typed inputs and go out as the JSON the warehouse lookup
 * tables show. Events processed after a change use it; rows processed before keep what they had.
 */

const DefinitionStateEnum = builder.enumType('DefinitionState', { values: ['active', 'archived'] as const });

const DefinitionInterface = builder.interfaceRef<Definition>('Definition').implement({
  description: 'What every kind of definition records.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Stable and readable: `pd_…` (page), `el_…` (element), `ed_…` (event), then a ULID.' }),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    state: t.expose('state', { type: DefinitionStateEnum }),
    version: t.exposeInt('version', { description: '1 when created, incremented by every edit.' }),
    rule: t.expose('rule', { type: 'JSON', description: 'The rule, exactly as the warehouse lookup table shows it.' }),
    createdTime: t.expose('createdTime', { type: 'DateTime' }),
    createdBy: t.exposeString('createdBy', { description: '`api-key:<id>` of the key that created it.' }),
    modifiedTime: t.expose('modifiedTime', { type: 'DateTime' }),
    modifiedBy: t.exposeString('modifiedBy'),
  }),
});

const PageDefinitionType = builder.objectRef<Definition>('PageDefinition').implement({
  description: 'A page: URL rules. A URL belongs to the first active page definition (by priority) it matches.',
  interfaces: [DefinitionInterface],
  isTypeOf: (value) => (value as Definition).kind === 'page',
  fields: (t) => ({
    priority: t.int({ description: 'Lower runs first; unique among active page definitions.', resolve: (d) => d.priority ?? 0 }),
  }),
});

const ElementDefinitionType = builder.objectRef<Definition>('ElementDefinition').implement({
  description: 'An element: a CSS selector matched against the target element and its captured ancestors.',
  interfaces: [DefinitionInterface],
  isTypeOf: (value) => (value as Definition).kind === 'element',
});

const EventDefinitionType = builder.objectRef<Definition>('EventDefinition').implement({
  description: 'An event: conditions on event type, properties, page definition and element definition.',
  interfaces: [DefinitionInterface],
  isTypeOf: (value) => (value as Definition).kind === 'event',
});

const QueryOperatorEnum = builder.enumType('QueryOperator', {
  values: { EXISTS: { value: 'exists' }, EQUALS: { value: 'equals' }, CONTAINS: { value: 'contains' } } as const,
});

const PropertyOperatorEnum = builder.enumType('PropertyOperator', {
  values: {
    EQUALS: { value: 'equals' },
    NOT_EQUALS: { value: 'not_equals' },
    CONTAINS: { value: 'contains' },
    REGEX: { value: 'regex' },
    EXISTS: { value: 'exists' },
    NOT_EXISTS: { value: 'not_exists' },
    GT: { value: 'gt' },
    GTE: { value: 'gte' },
    LT: { value: 'lt' },
    LTE: { value: 'lte' },
  } as const,
});

const QueryConditionInput = builder.inputType('QueryConditionInput', {
  fields: (t) => ({
    key: t.string({ required: true }),
    op: t.field({ type: QueryOperatorEnum, required: true }),
    value: t.string({ description: 'For EQUALS and CONTAINS (URL-decoded, case-sensitive).' }),
  }),
});

const PageRuleInput = builder.inputType('PageRuleInput', {
  description: 'Every given part must match. Patterns: `*` within one segment, `**` as a whole segment for any number of segments.',
  fields: (t) => ({
    host: t.string({ description: 'e.g. `*.shop.example`' }),
    path: t.string({ description: 'e.g. `/products/*/reviews/**`' }),
    fragment: t.string({ description: 'Pattern over the path inside `#`, e.g. `/pay` for `#/pay?x=1`.' }),
    query: t.field({ type: [QueryConditionInput], description: 'Conditions on the query string and the fragment query.' }),
  }),
});

const ElementRuleInput = builder.inputType('ElementRuleInput', {
  fields: (t) => ({
    selector: t.string({ required: true, description: 'CSS selector, e.g. `form button.primary`.' }),
    pageDefinitionId: t.id({ description: 'Only on this (active) page definition.' }),
  }),
});

const PropertyConditionInput = builder.inputType('PropertyConditionInput', {
  fields: (t) => ({
    path: t.string({ required: true, description: 'Dotted path into event_properties, e.g. `target.text`, `cart.total`.' }),
    op: t.field({ type: PropertyOperatorEnum, required: true }),
    value: t.field({ type: 'JSON', description: 'A string, number or boolean; none for EXISTS and NOT_EXISTS.' }),
  }),
});

const EventRuleInput = builder.inputType('EventRuleInput', {
  description: 'Every given condition must hold; at least one is required.',
  fields: (t) => ({
    eventType: t.string(),
    pageDefinitionId: t.id(),
    elementDefinitionId: t.id(),
    properties: t.field({ type: [PropertyConditionInput] }),
  }),
});

/** Drops GraphQL nulls: an absent part of a rule is left out of the stored JSON. */
function compact(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined));
}

const toRule = {
  page: (rule: Record<string, unknown>) =>
    compact({ ...rule, query: Array.isArray(rule.query) ? rule.query.map((c: Record<string, unknown>) => compact(c)) : rule.query }),
  element: (rule: Record<string, unknown>) =>
    compact({ ...rule, pageDefinitionId: rule.pageDefinitionId == null ? null : String(rule.pageDefinitionId) }),
  event: (rule: Record<string, unknown>) =>
    compact({
      ...rule,
      pageDefinitionId: rule.pageDefinitionId == null ? null : String(rule.pageDefinitionId),
      elementDefinitionId: rule.elementDefinitionId == null ? null : String(rule.elementDefinitionId),
      properties: Array.isArray(rule.properties) ? rule.properties.map((c: Record<string, unknown>) => compact(c)) : rule.properties,
    }),
} satisfies Record<DefinitionKind, (rule: Record<string, unknown>) => Record<string, unknown>>;

const actorOf = (ctx: GraphQLContext) => `api-key:${ctx.principal.keyId}`;

interface RuleMatches {
  readonly scanned: number;
  readonly matched: number;
  readonly events: readonly EventListRow[];
}

const RuleMatchesType = builder.objectRef<RuleMatches>('RuleMatches').implement({
  description: `The newest events (at most ${RULE_TEST_WINDOW}) that a rule, not saved, matches.`,
  fields: (t) => ({
    window: t.int({ description: 'How many of the newest events a rule is tried on, at most.', resolve: () => RULE_TEST_WINDOW }),
    scanned: t.exposeInt('scanned', {
      description: 'How many events it was tried on (fewer than `window` when the organization has fewer).',
    }),
    matched: t.exposeInt('matched', { description: 'How many of those it matches; `events` lists the first `first` of them.' }),
    events: t.field({
      type: [EventType],
      description: 'Matching events, most recently processed first.',
      resolve: (matches) => matches.events,
    }),
  }),
});

const KINDS = [
  { kind: 'page', name: 'PageDefinition', field: 'pageDefinition', type: PageDefinitionType, ruleInput: PageRuleInput },
  { kind: 'element', name: 'ElementDefinition', field: 'elementDefinition', type: ElementDefinitionType, ruleInput: ElementRuleInput },
  { kind: 'event', name: 'EventDefinition', field: 'eventDefinition', type: EventDefinitionType, ruleInput: EventRuleInput },
] as const;

for (const { kind, name, field, type, ruleInput } of KINDS) {
  builder.queryField(`${field}s`, (t) =>
    t.connection(
      {
        type,
        description: kind === 'page' ? 'Active page definitions in priority order, then (optionally) archived ones.' : undefined,
        authScopes: { reader: true },
        complexity: connectionCost,
        args: { includeArchived: t.arg.boolean({ defaultValue: false }) },
        resolve: (_root, args, ctx) =>
          connectionByPosition(args, () =>
            listDefinitions(ctx.db, ctx.principal.orgId, kind, { includeArchived: args.includeArchived ?? false }),
          ),
      },
      { name: `${name}Connection` },
      { name: `${name}Edge` },
    ),
  );

  builder.queryField(field, (t) =>
    t.field({
      type,
      nullable: true,
      authScopes: { reader: true },
      args: { id: t.arg.id({ required: true }) },
      resolve: async (_root, args, ctx) => (await getDefinition(ctx.db, ctx.principal.orgId, kind, String(args.id))) ?? null,
    }),
  );

  builder.queryField(`${kind}RuleMatches`, (t) =>
    t.field({
      type: RuleMatchesType,
      description: `"Test this rule": the newest events (at most ${RULE_TEST_WINDOW}) that this rule would match, without saving it. The rule is checked as \`create${name}\` checks it.`,
      authScopes: { reader: true },
      complexity: connectionCost,
      errors: { types: [ValidationError], result: { name: `${name.replace('Definition', '')}RuleTried` } },
      args: {
        rule: t.arg({ type: ruleInput, required: true }),
        first: t.arg.int({ description: 'Matching events to list: 1 to 500, default 50.' }),
      },
      resolve: async (_root, args, ctx) => {
        const first = pageSize({ first: args.first });
        const orgId = ctx.principal.orgId;
        const rule = await checkDefinitionRule(ctx.db, orgId, kind, toRule[kind](args.rule as Record<string, unknown>));
        const rows = await listEvents(ctx.db, orgId, {}, { first: RULE_TEST_WINDOW });
        const matches = rowsMatchingRule(orgId, kind, rule, rows);
        return { scanned: rows.length, matched: matches.length, events: matches.slice(0, first) };
      },
    }),
  );

  const createInput = builder.inputType(`Create${name}Input`, {
    fields: (t) => ({
      name: t.string({ required: true }),
      description: t.string(),
      rule: t.field({ type: ruleInput, required: true }),
      ...(kind === 'page'
        ? { priority: t.int({ description: 'Where it runs among active page definitions (lower first); default: after the last.' }) }
        : {}),
    }),
  });

  const updateInput = builder.inputType(`Update${name}Input`, {
    description: 'Only the given fields change; a rule replaces the whole rule.',
    fields: (t) => ({
      name: t.string(),
      description: t.string(),
      rule: t.field({ type: ruleInput }),
      ...(kind === 'page' ? { priority: t.int() } : {}),
    }),
  });

  builder.mutationField(`create${name}`, (t) =>
    t.field({
      type,
      authScopes: { writer: true },
      errors: { types: [ValidationError], result: { name: `${name}Created` } },
      args: { input: t.arg({ type: createInput, required: true }) },
      resolve: async (_root, { input }, ctx) => {
        const fields = input as { name: string; description?: string | null; rule: Record<string, unknown>; priority?: number | null };
        return createDefinition(ctx.definitionWrites, ctx.principal.orgId, actorOf(ctx), kind, {
          name: fields.name,
          description: fields.description ?? undefined,
          rule: toRule[kind](fields.rule),
          priority: fields.priority ?? undefined,
        });
      },
    }),
  );

  builder.mutationField(`update${name}`, (t) =>
    t.field({
      type,
      authScopes: { writer: true },
      errors: { types: [ValidationError, NotFoundError], result: { name: `${name}Updated` } },
      args: { id: t.arg.id({ required: true }), input: t.arg({ type: updateInput, required: true }) },
      resolve: async (_root, { id, input }, ctx) => {
        const fields = input as {
          name?: string | null;
          description?: string | null;
          rule?: Record<string, unknown> | null;
          priority?: number | null;
        };
        return editDefinition(ctx.definitionWrites, ctx.principal.orgId, actorOf(ctx), kind, String(id), {
          name: fields.name ?? undefined,
          description: fields.description ?? undefined,
          rule: fields.rule == null ? undefined : toRule[kind](fields.rule),
          priority: fields.priority ?? undefined,
        });
      },
    }),
  );

  builder.mutationField(`archive${name}`, (t) =>
    t.field({
      type,
      description: 'Stops matching for events processed from now on; the definition stays in the lookup tables.',
      authScopes: { writer: true },
      errors: { types: [ValidationError, NotFoundError], result: { name: `${name}Archived` } },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, { id }, ctx) => archiveDefinition(ctx.definitionWrites, ctx.principal.orgId, actorOf(ctx), kind, String(id)),
    }),
  );
}

const ReorderedPageDefinitions = builder.objectRef<Definition[]>('ReorderedPageDefinitions').implement({
  fields: (t) => ({
    pageDefinitions: t.field({
      type: [PageDefinitionType],
      description: 'Active page definitions in their new order.',
      complexity: listCost(DEFINITIONS_PER_KIND),
      resolve: (pages) => pages,
    }),
  }),
});

builder.mutationField('reorderPageDefinitions', (t) =>
  t.field({
    type: ReorderedPageDefinitions,
    description: 'Sets the order of the active page definitions: every one of them exactly once, first match first.',
    authScopes: { writer: true },
    errors: { types: [ValidationError, NotFoundError], result: { name: 'PageDefinitionsReordered' } },
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, { ids }, ctx) => reorderPageDefinitions(ctx.definitionWrites, ctx.principal.orgId, actorOf(ctx), ids.map(String)),
  }),
);
