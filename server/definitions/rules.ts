import { z } from 'zod';
import { checkSelector } from './css.ts';
import { checkUrlPattern, type UrlPatternKind } from './url-pattern.ts';
import { checkRegex } from './safe-regex.ts';

/**
 * Rule shapes of page, element and event definitions, and their validation.
 *
 * The zod schemas check the shape only (they are what the API accepts and what the warehouse
 * lookup tables show as the rule JSON). The `validate*Rule` functions add the checks that need
 * more than a shape — patterns, selectors, regexes, empty rules — and return every problem as a
 * typed error instead of throwing.
 */

/** Upper bounds that keep one rule cheap to compile and to match. */
export const RULE_LIMITS = {
  patternLength: 512,
  selectorLength: 1000,
  regexLength: 256,
  propertyPathLength: 256,
  conditions: 20,
  stringValueLength: 1000,
} as const;

/** Every code a rule validation can return. */
export const DEFINITION_ERROR_CODES = [
  'INVALID_RULE',
  'EMPTY_RULE',
  'INVALID_PATTERN',
  'INVALID_SELECTOR',
  'UNSUPPORTED_SELECTOR',
  'INVALID_REGEX',
  'UNSAFE_REGEX',
  'DUPLICATE_PRIORITY',
] as const;

/** Stable machine-readable code of a definition validation error. */
export type DefinitionErrorCode = (typeof DEFINITION_ERROR_CODES)[number];

/** One problem found in a rule. `path` points into the rule JSON (e.g. `['properties', 0, 'value']`). */
export interface DefinitionError {
  readonly code: DefinitionErrorCode;
  readonly message: string;
  readonly path: readonly (string | number)[];
}

/** Result of validating a rule: the parsed rule, or every error found. */
export type RuleValidation<Rule> =
  { readonly ok: true; readonly rule: Rule } | { readonly ok: false; readonly errors: readonly DefinitionError[] };

const definitionId = z.string().min(1).max(128);
const pattern = z.string().max(RULE_LIMITS.patternLength);
const stringValue = z.string().max(RULE_LIMITS.stringValueLength);
const scalarValue = z.union([stringValue, z.number().finite(), z.boolean()]);

/** One query-string condition of a page rule. */
export const queryConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ key: z.string().min(1).max(256), op: z.literal('exists') }),
  z.strictObject({ key: z.string().min(1).max(256), op: z.enum(['equals', 'contains']), value: stringValue }),
]);
/** One query-string condition of a page rule. */
export type QueryCondition = z.infer<typeof queryConditionSchema>;

/**
 * Page definition rule: every given part must match.
 *
 * - `host`: pattern over the host name (lower-cased, without port), labels separated by `.`;
 * - `path`: pattern over the URL path, starting with `/`, segments separated by `/`;
 * - `fragment`: pattern over the path inside the `#` fragment (`hash_path`, e.g. `/pay` for
 *   `#/pay?x=1`, or `pricing` for `#pricing`);
 * - `query`: conditions on query parameters, looked up in the URL's query string and in the
 *   fragment's query (`hash_query`); a condition holds when any value of the key satisfies it.
 *
 * Patterns: `*` matches any run of characters within one segment (or host label), `**` as a whole
 * segment matches any number of segments, zero included; everything else is literal. A trailing
 * `/` is ignored on both sides. See docs/definitions.md.
 */
export const pageRuleSchema = z.strictObject({
  host: pattern.optional(),
  path: pattern.optional(),
  query: z.array(queryConditionSchema).max(RULE_LIMITS.conditions).optional(),
  fragment: pattern.optional(),
});
/** Page definition rule. */
export type PageRule = z.infer<typeof pageRuleSchema>;

/** Element definition rule: a CSS selector, optionally limited to one page definition. */
export const elementRuleSchema = z.strictObject({
  selector: z.string().max(RULE_LIMITS.selectorLength),
  pageDefinitionId: definitionId.optional(),
});
/** Element definition rule. */
export type ElementRule = z.infer<typeof elementRuleSchema>;

const propertyPath = z.string().min(1).max(RULE_LIMITS.propertyPathLength);

/** One condition on an event property, addressed by a dotted path (`target.text`, `cart.total`). */
export const propertyConditionSchema = z.discriminatedUnion('op', [
  z.strictObject({ path: propertyPath, op: z.enum(['exists', 'not_exists']) }),
  z.strictObject({ path: propertyPath, op: z.enum(['equals', 'not_equals', 'contains']), value: scalarValue }),
  z.strictObject({ path: propertyPath, op: z.literal('regex'), value: z.string() }),
  z.strictObject({ path: propertyPath, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: z.number().finite() }),
]);
/** One condition on an event property. */
export type PropertyCondition = z.infer<typeof propertyConditionSchema>;
/** Operator of a property condition. */
export type PropertyOperator = PropertyCondition['op'];

/** Event definition rule: every given condition must hold; at least one condition is required. */
export const eventRuleSchema = z.strictObject({
  eventType: z.string().min(1).max(64).optional(),
  pageDefinitionId: definitionId.optional(),
  elementDefinitionId: definitionId.optional(),
  properties: z.array(propertyConditionSchema).max(RULE_LIMITS.conditions).optional(),
});
/** Event definition rule. */
export type EventRule = z.infer<typeof eventRuleSchema>;

function shapeErrors(error: z.ZodError): DefinitionError[] {
  return error.issues.map((issue) => ({
    code: 'INVALID_RULE' as const,
    message: issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    path: issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol'),
  }));
}

function finish<Rule>(rule: Rule, errors: DefinitionError[]): RuleValidation<Rule> {
  return errors.length === 0 ? { ok: true, rule } : { ok: false, errors };
}

function checkPattern(value: string | undefined, kind: UrlPatternKind, errors: DefinitionError[]): void {
  if (value === undefined) return;
  const problem = checkUrlPattern(value, kind);
  if (problem !== null) errors.push({ code: 'INVALID_PATTERN', message: `${kind}: ${problem}`, path: [kind] });
}

/** Validates a page rule (shape, patterns, not empty). */
export function validatePageRule(input: unknown): RuleValidation<PageRule> {
  const parsed = pageRuleSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: shapeErrors(parsed.error) };
  const rule = parsed.data;
  const errors: DefinitionError[] = [];
  checkPattern(rule.host, 'host', errors);
  checkPattern(rule.path, 'path', errors);
  checkPattern(rule.fragment, 'fragment', errors);
  if (rule.host === undefined && rule.path === undefined && rule.fragment === undefined && (rule.query ?? []).length === 0) {
    errors.push({
      code: 'EMPTY_RULE',
      message: 'a page rule needs at least one of host, path, query or fragment (use path "/**" to match every URL)',
      path: [],
    });
  }
  return finish(rule, errors);
}

/** Validates an element rule (shape, CSS selector that can be evaluated on captured ancestry). */
export function validateElementRule(input: unknown): RuleValidation<ElementRule> {
  const parsed = elementRuleSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: shapeErrors(parsed.error) };
  const rule = parsed.data;
  const errors: DefinitionError[] = [];
  const problem = checkSelector(rule.selector);
  if (problem !== null) errors.push({ code: problem.code, message: problem.message, path: ['selector'] });
  return finish(rule, errors);
}

/** Validates an event rule (shape, safe regexes, property paths, at least one condition). */
export function validateEventRule(input: unknown): RuleValidation<EventRule> {
  const parsed = eventRuleSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: shapeErrors(parsed.error) };
  const rule = parsed.data;
  const errors: DefinitionError[] = [];
  const properties = rule.properties ?? [];
  properties.forEach((condition, index) => {
    if (condition.path.split('.').some((segment) => segment === '')) {
      errors.push({
        code: 'INVALID_RULE',
        message: `properties.${index}.path: "${condition.path}" has an empty segment`,
        path: ['properties', index, 'path'],
      });
    }
    if (condition.op === 'regex') {
      const problem = checkRegex(condition.value);
      if (problem !== null) {
        errors.push({ code: problem.code, message: problem.message, path: ['properties', index, 'value'] });
      }
    }
  });
  if (
    rule.eventType === undefined &&
    rule.pageDefinitionId === undefined &&
    rule.elementDefinitionId === undefined &&
    properties.length === 0
  ) {
    errors.push({
      code: 'EMPTY_RULE',
      message: 'an event rule needs at least one condition: eventType, pageDefinitionId, elementDefinitionId or properties',
      path: [],
    });
  }
  return finish(rule, errors);
}

/**
 * Finds active page definitions that share a priority. Matching still has a deterministic order
 * (priority, then id), but the API should refuse ambiguous orders so the user sees the one in force.
 */
export function findDuplicatePriorities(pages: readonly { readonly id: string; readonly priority: number }[]): DefinitionError[] {
  const byPriority = new Map<number, string[]>();
  for (const page of pages) {
    const ids = byPriority.get(page.priority) ?? [];
    ids.push(page.id);
    byPriority.set(page.priority, ids);
  }
  const errors: DefinitionError[] = [];
  for (const [priority, ids] of [...byPriority].sort((a, b) => a[0] - b[0])) {
    if (ids.length > 1) {
      errors.push({
        code: 'DUPLICATE_PRIORITY',
        message: `page definitions ${[...ids].sort().join(', ')} share priority ${priority}`,
        path: ['priority'],
      });
    }
  }
  return errors;
}
