/**
 * Definition matching: pure functions from compiled definitions and event facts to definition
 * ids (DESIGN.md §3 "Definitions are forward-only"; docs/definitions.md).
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
export { specificityOf, type Specificity } from './css.ts';
export { REGEX_INPUT_LIMIT, REGEX_SOURCE_LIMIT, checkRegex } from './safe-regex.ts';
