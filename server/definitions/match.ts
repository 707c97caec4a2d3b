import {
  COMPILED,
  scalarKey,
  type CompiledDefinitions,
  type CompiledElementAlternative,
  type CompiledEvent,
  type EventBucket,
} from './compile.ts';
import { buildCapturedNodes, capturedAdapter, type CapturedNode, type PathNeeds } from './css.ts';
import type { CapturedTarget, EventFacts, UrlParts } from './inputs.ts';
import { matchUrlPattern, splitUrlPart } from './url-pattern.ts';

/**
 * Pure matching of one event against compiled definitions: compiled definitions and event facts
 * in, definition ids out. No I/O, no clock, no mutation of the inputs.
 */

/** Element definitions an element event's target matched. */
export interface ElementMatch {
  /** The most specific match (see {@link matchElements}), or null. */
  readonly elementDefinitionId: string | null;
  /** Every other match, most specific first. */
  readonly additionalElementDefinitionIds: readonly string[];
}

/** Event definitions an event matched. */
export interface EventMatch {
  /** The most specific match (see `eventSpecificityScore`), or null. */
  readonly eventDefinitionId: string | null;
  /** Every other match, most specific first. */
  readonly additionalEventDefinitionIds: readonly string[];
}

const NO_ELEMENT: ElementMatch = Object.freeze({ elementDefinitionId: null, additionalElementDefinitionIds: Object.freeze([]) });
const NO_EVENT: EventMatch = Object.freeze({ eventDefinitionId: null, additionalEventDefinitionIds: Object.freeze([]) });

/** Values of each query parameter in the query string and then the fragment query, parsed once per URL. */
function parseQueries(url: UrlParts): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const query of [url.query, url.hash_query]) {
    if (query === '' || query === '?') continue;
    for (const [key, value] of new URLSearchParams(query)) {
      const list = values.get(key);
      if (list === undefined) values.set(key, [value]);
      else list.push(value);
    }
  }
  return values;
}

/**
 * The page definition of a URL: the first active page definition, by priority (lower first,
 * ties by id), whose every given part matches. At most one page definition per URL.
 */
export function matchPage(compiled: CompiledDefinitions, url: UrlParts): string | null {
  const index = compiled[COMPILED];
  const hostSegments = splitUrlPart(url.host, 'host');
  const candidates = index.pagesByHost.get(hostSegments.join('.')) ?? index.pagesAnyHost;
  if (candidates.length === 0) return null;
  const pathSegments = splitUrlPart(url.path === '' ? '/' : url.path, 'path');
  const firstPathSegment = pathSegments[1] ?? '';
  let fragmentSegments: string[] | undefined;
  let queries: Map<string, string[]> | undefined;
  for (const page of candidates) {
    if (page.firstPathSegment !== null && page.firstPathSegment !== firstPathSegment) continue;
    if (page.host !== null && !matchUrlPattern(page.host, hostSegments)) continue;
    if (page.path !== null && !matchUrlPattern(page.path, pathSegments)) continue;
    if (page.fragment !== null) {
      const hashPath = url.hash_path.startsWith('#') ? url.hash_path.slice(1) : url.hash_path;
      if (!matchUrlPattern(page.fragment, (fragmentSegments ??= splitUrlPart(hashPath, 'fragment')))) continue;
    }
    if (page.query.length > 0) {
      const parsed = (queries ??= parseQueries(url));
      if (!page.query.every((condition) => parsed.get(condition.key)?.some(condition.test) === true)) continue;
    }
    return page.id;
  }
  return null;
}

interface ElementHit {
  specificity: number;
  depth: number;
}

/** One event's captured path, with the tags, ids and classes that occur anywhere in it. */
interface PathContext {
  readonly pageDefinitionId: string | null;
  readonly tags: ReadonlySet<string>;
  readonly ids: ReadonlySet<string>;
  readonly classes: ReadonlySet<string>;
  readonly hits: Map<string, ElementHit>;
}

function pathMayMatch(needs: PathNeeds, context: PathContext): boolean {
  for (const tag of needs.tags) if (!context.tags.has(tag)) return false;
  for (const id of needs.ids) if (!context.ids.has(id)) return false;
  for (const name of needs.classes) if (!context.classes.has(name)) return false;
  return true;
}

function subjectMayMatch(subject: CompiledElementAlternative['subject'], node: CapturedNode): boolean {
  if (subject.tag !== null && subject.tag !== node.tag) return false;
  if (subject.id !== null && subject.id !== node.id) return false;
  for (const name of subject.classes) if (!node.classes.includes(name)) return false;
  for (const name of subject.attrs) if (!capturedAdapter.hasAttrib(node, name)) return false;
  return true;
}

/** Tries the alternatives filed under one of `node`'s keys on that node. */
function tryAlternatives(candidates: readonly CompiledElementAlternative[] | undefined, node: CapturedNode, context: PathContext): void {
  if (candidates === undefined) return;
  for (const candidate of candidates) {
    if (candidate.pageDefinitionId !== null && candidate.pageDefinitionId !== context.pageDefinitionId) continue;
    if (!subjectMayMatch(candidate.subject, node) || !pathMayMatch(candidate.pathNeeds, context)) continue;
    const best = context.hits.get(candidate.definitionId);
    // Nodes are visited innermost first, so an equal specificity never improves on an earlier hit.
    if (best !== undefined && best.specificity >= candidate.specificity) continue;
    if (!candidate.test(node)) continue;
    context.hits.set(candidate.definitionId, { specificity: candidate.specificity, depth: node.depth });
  }
}

/**
 * Element definitions matched by a captured target. A definition matches when its selector
 * matches the element the event landed on or any of its ancestors (the event happened inside
 * it). Definitions limited to a page definition only match on that page.
 *
 * Most specific first: the highest CSS specificity among the definition's matching selector
 * alternatives; then the definition that matched the innermost element (closest to the click);
 * then the smaller id. The first is `elementDefinitionId`, the rest `additionalElementDefinitionIds`.
 */
export function matchElements(compiled: CompiledDefinitions, target: CapturedTarget, pageDefinitionId: string | null): ElementMatch {
  const buckets = compiled[COMPILED].elements;
  if (target.path.length === 0 || buckets.size === 0) return NO_ELEMENT;
  const nodes = buildCapturedNodes(target);
  const tags = new Set<string>();
  const ids = new Set<string>();
  const classes = new Set<string>();
  for (const node of nodes) {
    tags.add(node.tag);
    if (node.id !== undefined) ids.add(node.id);
    for (const name of node.classes) classes.add(name);
  }
  const context: PathContext = { pageDefinitionId, tags, ids, classes, hits: new Map() };
  for (const node of nodes) {
    if (node.id !== undefined && buckets.byId.size > 0) tryAlternatives(buckets.byId.get(node.id), node, context);
    if (buckets.byClass.size > 0) {
      for (let position = 0; position < node.classes.length; position++) {
        const name = node.classes[position] ?? '';
        // A class listed twice must not run its alternatives twice.
        if (node.classes.indexOf(name) === position) tryAlternatives(buckets.byClass.get(name), node, context);
      }
    }
    if (buckets.byAttr.size > 0) for (const name in node.attrs) tryAlternatives(buckets.byAttr.get(name), node, context);
    tryAlternatives(buckets.byTag.get(node.tag), node, context);
    tryAlternatives(buckets.any, node, context);
  }
  if (context.hits.size === 0) return NO_ELEMENT;
  const ranked = [...context.hits].sort(
    ([idA, a], [idB, b]) => b.specificity - a.specificity || a.depth - b.depth || (idA < idB ? -1 : idA > idB ? 1 : 0),
  );
  const ranking = ranked.map(([id]) => id);
  return { elementDefinitionId: ranking[0] ?? null, additionalElementDefinitionIds: ranking.slice(1) };
}

function valueAt(properties: Readonly<Record<string, unknown>>, segments: readonly string[]): unknown {
  let current: unknown = properties;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function holds(definition: CompiledEvent, facts: EventFacts): boolean {
  if (definition.pageDefinitionId !== null && definition.pageDefinitionId !== facts.pageDefinitionId) return false;
  if (definition.elementDefinitionId !== null && !facts.elementDefinitionIds.includes(definition.elementDefinitionId)) return false;
  for (const condition of definition.conditions) {
    if (!condition.test(valueAt(facts.properties, condition.segments))) return false;
  }
  return true;
}

function collect(bucket: EventBucket | undefined, facts: EventFacts, matches: CompiledEvent[]): void {
  if (bucket === undefined) return;
  for (const definition of bucket.scan) if (holds(definition, facts)) matches.push(definition);
  for (const { segments, byValue } of bucket.indexed) {
    const key = scalarKey(valueAt(facts.properties, segments));
    if (key === null) continue;
    for (const definition of byValue.get(key) ?? []) if (holds(definition, facts)) matches.push(definition);
  }
}

/**
 * Event definitions matched by an event: every condition of the rule must hold. The most
 * specific match is `eventDefinitionId`; all other matches are `additionalEventDefinitionIds`,
 * most specific first. Order: definitions with an element condition first, the one naming the
 * most specific matched element definition (earliest in `facts.elementDefinitionIds`) ahead;
 * then the static order documented on `eventSpecificityScore` and in docs/definitions.md.
 */
export function matchEvents(compiled: CompiledDefinitions, facts: EventFacts): EventMatch {
  const index = compiled[COMPILED];
  const matches: CompiledEvent[] = [];
  collect(index.eventsByType.get(facts.eventType), facts, matches);
  collect(index.eventsAnyType, facts, matches);
  if (matches.length === 0) return NO_EVENT;
  // Within the element tier, a rule on a more specific element definition (earlier in the list)
  // wins; everything else follows the static order compiled into `rank`.
  const elementPosition = (definition: CompiledEvent): number =>
    definition.elementDefinitionId === null ? Number.MAX_SAFE_INTEGER : facts.elementDefinitionIds.indexOf(definition.elementDefinitionId);
  matches.sort((a, b) => elementPosition(a) - elementPosition(b) || a.rank - b.rank);
  return { eventDefinitionId: matches[0]?.id ?? null, additionalEventDefinitionIds: matches.slice(1).map((match) => match.id) };
}

/** One event to enrich with every kind of definition. */
export interface EventToMatch {
  readonly eventType: string;
  readonly properties: Readonly<Record<string, unknown>>;
  /** The event's own URL; when absent, `pageDefinitionId` (the view's page context) is used. */
  readonly url?: UrlParts | null | undefined;
  /** Page definition inherited from the latest `navigate` of the view, for events without a URL. */
  readonly pageDefinitionId?: string | null | undefined;
  /** Element target of element events (click, change, …). */
  readonly target?: CapturedTarget | null | undefined;
}

/** Every definition id an event gets (docs/warehouse-schema.md). */
export interface DefinitionMatch extends ElementMatch, EventMatch {
  readonly pageDefinitionId: string | null;
}

/** Runs page, element and event matching in order, feeding each result to the next. */
export function matchDefinitions(compiled: CompiledDefinitions, event: EventToMatch): DefinitionMatch {
  const pageDefinitionId = event.url != null ? matchPage(compiled, event.url) : (event.pageDefinitionId ?? null);
  const elements = event.target != null ? matchElements(compiled, event.target, pageDefinitionId) : NO_ELEMENT;
  const elementDefinitionIds =
    elements.elementDefinitionId === null ? [] : [elements.elementDefinitionId, ...elements.additionalElementDefinitionIds];
  const events = matchEvents(compiled, {
    eventType: event.eventType,
    properties: event.properties,
    pageDefinitionId,
    elementDefinitionIds,
  });
  return { pageDefinitionId, ...elements, ...events };
}
