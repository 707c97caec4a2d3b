/**
 * The definitions engine: pure functions from rules to compiled definitions, and from compiled
 * definitions and event facts to definition ids (docs/definitions.md;
 * docs/definitions.md). No I/O and no module state: what reads and writes the store lives in
 * services/ (writes, the enrichment cache, the warehouse lookup tables).
 */
export {
  DEFINITION_ERROR_CODES,
  RULE_LIMITS,
  elementRuleSchema,
  eventRuleSchema,
  findDuplicatePriorities,
  pageRuleSchema,
  propertyConditionSchema,
  queryConditionSchema,
  validateElementRule,
  validateEventRule,
  validatePageRule,
  type DefinitionError,
  type DefinitionErrorCode,
  type ElementRule,
  type EventRule,
  type PageRule,
  type PropertyCondition,
  type PropertyOperator,
  type QueryCondition,
  type RuleValidation,
} from './rules.ts';
export { parseUrlParts, type CapturedElement, type CapturedTarget, type EventFacts, type UrlParts } from './inputs.ts';
export {
  compileDefinitions,
  eventSpecificityScore,
  type CompiledDefinitions,
  type DefinitionsInput,
  type ElementDefinitionInput,
  type EventDefinitionInput,
  type PageDefinitionInput,
  type SkippedDefinition,
} from './compile.ts';
export {
  matchDefinitions,
  matchElements,
  matchEvents,
  matchPage,
  type DefinitionMatch,
  type ElementMatch,
  type EventMatch,
  type EventToMatch,
} from './match.ts';
export { createEnrichment } from './enrichment.ts';
export { specificityOf, type Specificity } from './css.ts';
export { REGEX_INPUT_LIMIT, REGEX_SOURCE_LIMIT, checkRegex } from './safe-regex.ts';
