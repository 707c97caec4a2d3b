import { compileSelector, type CapturedNode, type PathNeeds, type SubjectFilter } from './css.ts';
import {
  validateElementRule,
  validateEventRule,
  validatePageRule,
  type DefinitionError,
  type EventRule,
  type PropertyCondition,
  type QueryCondition,
} from './rules.ts';
import { compileSafeRegex } from './safe-regex.ts';
import { compileUrlPattern, splitUrlPart, type UrlPattern } from './url-pattern.ts';

/**
 * Compiles the active definitions of one organization into an immutable, indexed form that the
 * pure functions of match.ts read. Compile once per change of the organization's definitions,
 * never per event.
 */

/** An active page definition as stored. `rule` is validated again here. */
export interface PageDefinitionInput {
  readonly id: string;
  /** Lower runs first; ties are broken by id. */
  readonly priority: number;
  readonly rule: unknown;
}

/** An active element definition as stored. `rule` is validated again here. */
export interface ElementDefinitionInput {
  readonly id: string;
  readonly rule: unknown;
}

/** An active event definition as stored. `rule` is validated again here. */
export interface EventDefinitionInput {
  readonly id: string;
  /** Older definitions win ties of specificity; without it, ties go by id. */
  readonly createdTime?: Date | undefined;
  readonly rule: unknown;
}

/** Everything active for one organization. */
export interface DefinitionsInput {
  readonly organizationId: string;
  readonly pages: readonly PageDefinitionInput[];
  readonly elements: readonly ElementDefinitionInput[];
  readonly events: readonly EventDefinitionInput[];
}

/** A stored definition whose rule no longer validates: it is left out, and reported here. */
export interface SkippedDefinition {
  readonly kind: 'page' | 'element' | 'event';
  readonly id: string;
  readonly errors: readonly DefinitionError[];
}

/** Internal, indexed form of the definitions; only match.ts reads it. */
export const COMPILED: unique symbol = Symbol('compiled definitions');

/** Compiled definitions of one organization: immutable, and the only input of the match functions. */
export interface CompiledDefinitions {
  /** The organization these definitions belong to; match only that organization's events. */
  readonly organizationId: string;
  readonly counts: { readonly pages: number; readonly elements: number; readonly events: number };
  readonly skipped: readonly SkippedDefinition[];
  /** @internal */
  readonly [COMPILED]: CompiledIndex;
}

/** @internal */
export interface CompiledQueryCondition {
  readonly key: string;
  readonly test: (value: string) => boolean;
}

/** @internal */
export interface CompiledPage {
  readonly id: string;
  readonly host: UrlPattern | null;
  readonly path: UrlPattern | null;
  /** The path pattern's first segment when it is literal: a cheap test before the full match. */
  readonly firstPathSegment: string | null;
  readonly fragment: UrlPattern | null;
  readonly query: readonly CompiledQueryCondition[];
}

/** @internal */
export interface CompiledElementAlternative {
  readonly definitionId: string;
  readonly pageDefinitionId: string | null;
  readonly specificity: number;
  readonly subject: SubjectFilter;
  readonly pathNeeds: PathNeeds;
  readonly test: (node: CapturedNode) => boolean;
}

/** @internal */
export interface ElementBuckets {
  readonly size: number;
  readonly byId: ReadonlyMap<string, readonly CompiledElementAlternative[]>;
  readonly byClass: ReadonlyMap<string, readonly CompiledElementAlternative[]>;
  readonly byTag: ReadonlyMap<string, readonly CompiledElementAlternative[]>;
  readonly byAttr: ReadonlyMap<string, readonly CompiledElementAlternative[]>;
  readonly any: readonly CompiledElementAlternative[];
}

/** @internal */
export interface CompiledPropertyCondition {
  readonly segments: readonly string[];
  /** `value` is undefined when the property is absent. */
  readonly test: (value: unknown) => boolean;
}

/** @internal */
export interface CompiledEvent {
  readonly id: string;
  /** Position in the specificity order: lower is more specific. */
  readonly rank: number;
  readonly pageDefinitionId: string | null;
  readonly elementDefinitionId: string | null;
  readonly conditions: readonly CompiledPropertyCondition[];
}

/** @internal Event definitions of one event type (or of any type). */
export interface EventBucket {
  /** Definitions without an equals condition: tested for every event. */
  readonly scan: readonly CompiledEvent[];
  /** Definitions with an equals condition, found by the value at that path. */
  readonly indexed: readonly { readonly segments: readonly string[]; readonly byValue: ReadonlyMap<string, readonly CompiledEvent[]> }[];
}

/** @internal */
export interface CompiledIndex {
  /** Pages in match order for a literal host, including every page whose host is a wildcard or absent. */
  readonly pagesByHost: ReadonlyMap<string, readonly CompiledPage[]>;
  /** Pages in match order whose host is a wildcard or absent. */
  readonly pagesAnyHost: readonly CompiledPage[];
  /** Element selector alternatives filed by the most selective requirement of their subject. */
  readonly elements: ElementBuckets;
  readonly eventsByType: ReadonlyMap<string, EventBucket>;
  readonly eventsAnyType: EventBucket;
}

/**
 * Specificity order of event definitions, most specific first. Conditions are compared as a
 * vector, strongest kind first:
 *
 * 1. an element definition condition (at match time, a rule naming the event's main element
 *    definition beats one naming an additional element definition);
 * 2. a page definition condition;
 * 3. the number of property `equals` conditions;
 * 4. the number of property `not_equals`, `contains`, `regex`, `gt`, `gte`, `lt`, `lte` conditions;
 * 5. the number of property `exists` / `not_exists` conditions;
 * 6. an event type condition.
 *
 * Ties go to the definition created first (when `createdTime` is known), then to the smaller id.
 */
export function eventSpecificityScore(rule: {
  readonly eventType?: string | undefined;
  readonly pageDefinitionId?: string | undefined;
  readonly elementDefinitionId?: string | undefined;
  readonly properties?: readonly PropertyCondition[] | undefined;
}): number {
  let equals = 0;
  let comparisons = 0;
  let presence = 0;
  for (const condition of rule.properties ?? []) {
    if (condition.op === 'equals') equals++;
    else if (condition.op === 'exists' || condition.op === 'not_exists') presence++;
    else comparisons++;
  }
  // Each count is at most RULE_LIMITS.conditions (20), so base 100 keeps the tiers apart.
  return (
    (rule.elementDefinitionId !== undefined ? 1 : 0) * 1e10 +
    (rule.pageDefinitionId !== undefined ? 1 : 0) * 1e8 +
    equals * 1e6 +
    comparisons * 1e4 +
    presence * 1e2 +
    (rule.eventType !== undefined ? 1 : 0)
  );
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compileQueryCondition(condition: QueryCondition): CompiledQueryCondition {
  switch (condition.op) {
    case 'exists':
      return { key: condition.key, test: () => true };
    case 'equals': {
      const expected = condition.value;
      return { key: condition.key, test: (value) => value === expected };
    }
    case 'contains': {
      const expected = condition.value;
      return { key: condition.key, test: (value) => value.includes(expected) };
    }
  }
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function compilePropertyCondition(condition: PropertyCondition): CompiledPropertyCondition {
  const segments = condition.path.split('.');
  switch (condition.op) {
    case 'exists':
      return { segments, test: present };
    case 'not_exists':
      return { segments, test: (value) => !present(value) };
    case 'equals': {
      const expected = condition.value;
      return { segments, test: (value) => value === expected };
    }
    case 'not_equals': {
      const expected = condition.value;
      return { segments, test: (value) => present(value) && value !== expected };
    }
    case 'contains': {
      const expected = condition.value;
      return {
        segments,
        test: (value) => {
          if (typeof value === 'string') return typeof expected === 'string' && value.includes(expected);
          return Array.isArray(value) && value.includes(expected);
        },
      };
    }
    case 'regex': {
      const test = compileSafeRegex(condition.value);
      return {
        segments,
        test: (value) => {
          if (typeof value === 'string') return test(value);
          return (typeof value === 'number' || typeof value === 'boolean') && test(String(value));
        },
      };
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const bound = condition.value;
      const op = condition.op;
      return {
        segments,
        test: (value) => {
          const number = toNumber(value);
          if (number === null) return false;
          return op === 'gt' ? number > bound : op === 'gte' ? number >= bound : op === 'lt' ? number < bound : number <= bound;
        },
      };
    }
  }
}

/** Key of a scalar in the equals index; distinct types never share a key. */
export function scalarKey(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
      return `s:${value}`;
    case 'number':
      return `n:${value}`;
    case 'boolean':
      return `b:${value}`;
    default:
      return null;
  }
}

interface MutableBucket {
  scan: CompiledEvent[];
  indexed: Map<string, { segments: readonly string[]; byValue: Map<string, CompiledEvent[]> }>;
}

function freezeBucket(bucket: MutableBucket): EventBucket {
  return Object.freeze({ scan: Object.freeze(bucket.scan), indexed: Object.freeze([...bucket.indexed.values()]) });
}

/**
 * Compiles one organization's active definitions. Definitions whose stored rule does not
 * validate any more are left out and listed in `skipped`, so one bad row never stops enrichment.
 * References to definitions that are not in the input (archived, or another organization's)
 * simply never match.
 */
export function compileDefinitions(input: DefinitionsInput): CompiledDefinitions {
  const skipped: SkippedDefinition[] = [];

  const pages: { page: CompiledPage; priority: number; literalHost: string | null }[] = [];
  for (const definition of input.pages) {
    const validation = validatePageRule(definition.rule);
    if (!validation.ok) {
      skipped.push({ kind: 'page', id: definition.id, errors: validation.errors });
      continue;
    }
    const rule = validation.rule;
    const host = rule.host === undefined ? null : compileUrlPattern(rule.host, 'host');
    const path = rule.path === undefined ? null : compileUrlPattern(rule.path, 'path');
    // Path patterns start with "/", so segment 0 is empty and segment 1 is the first real one.
    const first = path?.segments[1];
    pages.push({
      page: Object.freeze({
        id: definition.id,
        host,
        path,
        firstPathSegment: first?.kind === 'literal' && (path?.segments.length ?? 0) > 1 ? first.text : null,
        fragment: rule.fragment === undefined ? null : compileUrlPattern(rule.fragment, 'fragment'),
        query: Object.freeze((rule.query ?? []).map(compileQueryCondition)),
      }),
      priority: definition.priority,
      literalHost: rule.host !== undefined && !rule.host.includes('*') ? splitUrlPart(rule.host, 'host').join('.') : null,
    });
  }
  pages.sort((a, b) => a.priority - b.priority || compareIds(a.page.id, b.page.id));
  const pagesAnyHost = Object.freeze(pages.filter((entry) => entry.literalHost === null).map((entry) => entry.page));
  const pagesByHost = new Map<string, readonly CompiledPage[]>();
  for (const host of new Set(pages.map((entry) => entry.literalHost))) {
    if (host === null) continue;
    pagesByHost.set(
      host,
      Object.freeze(pages.filter((entry) => entry.literalHost === null || entry.literalHost === host).map((entry) => entry.page)),
    );
  }

  const elementBuckets = {
    id: new Map<string, CompiledElementAlternative[]>(),
    class: new Map<string, CompiledElementAlternative[]>(),
    tag: new Map<string, CompiledElementAlternative[]>(),
    attr: new Map<string, CompiledElementAlternative[]>(),
  };
  const elementsAny: CompiledElementAlternative[] = [];
  let elementAlternatives = 0;
  for (const definition of input.elements) {
    const validation = validateElementRule(definition.rule);
    const compiled = validation.ok ? compileSelector(validation.rule.selector) : null;
    if (!validation.ok || compiled === null || !compiled.ok) {
      const errors = !validation.ok
        ? validation.errors
        : compiled !== null && !compiled.ok
          ? [{ code: compiled.problem.code, message: compiled.problem.message, path: ['selector'] }]
          : [];
      skipped.push({ kind: 'element', id: definition.id, errors });
      continue;
    }
    for (const alternative of compiled.alternatives) {
      const entry: CompiledElementAlternative = Object.freeze({
        definitionId: definition.id,
        pageDefinitionId: validation.rule.pageDefinitionId ?? null,
        specificity: alternative.specificity,
        subject: alternative.subject,
        pathNeeds: alternative.pathNeeds,
        test: alternative.test,
      });
      elementAlternatives++;
      const bucket = alternative.bucket;
      if (bucket.kind === 'any') {
        elementsAny.push(entry);
      } else {
        const map = elementBuckets[bucket.kind];
        const list = map.get(bucket.value) ?? [];
        list.push(entry);
        map.set(bucket.value, list);
      }
    }
  }

  const events: { rule: EventRule; id: string; createdTime: number; score: number; conditions: CompiledPropertyCondition[] }[] = [];
  for (const definition of input.events) {
    const validation = validateEventRule(definition.rule);
    if (!validation.ok) {
      skipped.push({ kind: 'event', id: definition.id, errors: validation.errors });
      continue;
    }
    events.push({
      rule: validation.rule,
      id: definition.id,
      createdTime: definition.createdTime?.getTime() ?? Number.POSITIVE_INFINITY,
      score: eventSpecificityScore(validation.rule),
      conditions: (validation.rule.properties ?? []).map(compilePropertyCondition),
    });
  }
  events.sort((a, b) => b.score - a.score || a.createdTime - b.createdTime || compareIds(a.id, b.id));
  const buckets = new Map<string, MutableBucket>();
  const anyType: MutableBucket = { scan: [], indexed: new Map() };
  events.forEach((event, rank) => {
    const compiled: CompiledEvent = Object.freeze({
      id: event.id,
      rank,
      pageDefinitionId: event.rule.pageDefinitionId ?? null,
      elementDefinitionId: event.rule.elementDefinitionId ?? null,
      conditions: Object.freeze(event.conditions),
    });
    let bucket = anyType;
    if (event.rule.eventType !== undefined) {
      bucket = buckets.get(event.rule.eventType) ?? { scan: [], indexed: new Map() };
      buckets.set(event.rule.eventType, bucket);
    }
    const equals = (event.rule.properties ?? []).find(
      (condition): condition is Extract<PropertyCondition, { op: 'equals' | 'not_equals' | 'contains' }> => condition.op === 'equals',
    );
    const valueKey = equals === undefined ? null : scalarKey(equals.value);
    if (equals === undefined || valueKey === null) {
      bucket.scan.push(compiled);
      return;
    }
    const index = bucket.indexed.get(equals.path) ?? { segments: equals.path.split('.'), byValue: new Map<string, CompiledEvent[]>() };
    bucket.indexed.set(equals.path, index);
    const list = index.byValue.get(valueKey) ?? [];
    list.push(compiled);
    index.byValue.set(valueKey, list);
  });

  const index: CompiledIndex = Object.freeze({
    pagesByHost,
    pagesAnyHost,
    elements: Object.freeze({
      size: elementAlternatives,
      byId: elementBuckets.id,
      byClass: elementBuckets.class,
      byTag: elementBuckets.tag,
      byAttr: elementBuckets.attr,
      any: Object.freeze(elementsAny),
    }),
    eventsByType: new Map([...buckets].map(([type, bucket]) => [type, freezeBucket(bucket)])),
    eventsAnyType: freezeBucket(anyType),
  });
  return Object.freeze({
    organizationId: input.organizationId,
    counts: Object.freeze({
      pages: pages.length,
      elements: input.elements.length - skipped.filter((s) => s.kind === 'element').length,
      events: events.length,
    }),
    skipped: Object.freeze(skipped),
    [COMPILED]: index,
  });
}
