/**
 * The Tributary destination plugin SDK: everything a third-party destination needs.
 * The contract test kit is the `@tributary/destination-sdk/testing` entry (it imports vitest).
 */
export { DESTINATION_API_VERSION, defineDestination, validateDestinationDefinition, parseDestinationConfig } from './define.ts';
export type {
  CheckStep,
  DefinitionValidation,
  DestinationConnection,
  DestinationContext,
  DestinationDefinition,
  DestinationLogger,
  LoadOptions,
  LoadResult,
} from './define.ts';
export {
  configJsonSchema,
  isSecretSchema,
  quoteIdentifier,
  secret,
  secretFieldNames,
  sqlIdentifier,
  target,
  targetFields,
  targetOptionsOf,
} from './config.ts';
export type { TargetField, TargetKind, TargetOptions } from './config.ts';
export {
  ConfigError,
  DestinationError,
  PermanentError,
  RetryableError,
  classifiedError,
  classifyError,
  createClassifiedRunner,
  createErrorClassifier,
  errorMessage,
  retryAfterMsOf,
} from './errors.ts';
export type { ClassifiedRunner, ErrorClassifier, ErrorClassifierOptions, ErrorKind, ErrorVerdict } from './errors.ts';
export { copyText, copyTextValue, encodeCopyText } from './copy-text.ts';
export type { CopyTextChunk } from './copy-text.ts';
export { DEFINITION_ROW_COLUMNS, DEFINITION_TABLES, EVENT_ROW_COLUMNS } from './rows.ts';
export type {
  DefinitionColumn,
  DefinitionRow,
  DefinitionTable,
  DefinitionTables,
  EventColumn,
  EventRow,
  StagingColumn,
  StoredEventRow,
} from './rows.ts';
export { checkWarehouse, loadUnlessEmpty, probeRow, runCheckSteps, silentLogger } from './check.ts';
export type { CheckStepSpec, WarehouseProbe } from './check.ts';
