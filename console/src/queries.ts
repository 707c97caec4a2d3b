/**
 * Every GraphQL operation the console sends, with the shape of its answer. The documents are
 * checked against schema/schema.graphql by test/unit/console-queries.test.ts, so a schema change
 * that breaks the console fails a test; the types below mirror the selections.
 */

export type Role = 'admin' | 'architect' | 'analyst' | 'capture';
export type Connection<T> = { nodes: T[]; pageInfo: { endCursor: string | null; hasNextPage: boolean } };

// every mutation answers its payload or an AppError; ValidationError adds the input field at fault
const ERRORS = '__typename ... on AppError { code message }';
const FIELD_ERRORS = `${ERRORS} ... on ValidationError { field }`;

export interface Me {
  apiKeyId: string;
  role: Role;
  organization: { name: string };
}
export const ME = `{ me { apiKeyId role organization { name } } }`;

// --- destinations

export type DestinationStatus = 'HEALTHY' | 'FAILING' | 'DISABLED';
export interface DestinationSummary {
  id: string;
  name: string;
  pluginId: string;
  status: DestinationStatus;
  enabled: boolean;
  lagSeconds: number | null;
  lastSuccessTime: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  nextRunTime: string;
}
const DESTINATION_SUMMARY = 'id name pluginId status enabled lagSeconds lastSuccessTime lastError consecutiveFailures nextRunTime';
export const DESTINATIONS = `{ destinations(first: 100) { nodes { ${DESTINATION_SUMMARY} } pageInfo { endCursor hasNextPage } } }`;

export interface Destination extends DestinationSummary {
  config: Record<string, unknown>;
  secretFieldsSet: boolean;
  clearedSecrets: string[];
  intervalMinutes: number;
  eventTypesInclude: string[] | null;
  eventTypesExclude: string[] | null;
  pendingDeletions: number;
  activeSince: string | null;
}
const DESTINATION_FIELDS = `${DESTINATION_SUMMARY} config secretFieldsSet clearedSecrets intervalMinutes eventTypesInclude eventTypesExclude pendingDeletions activeSince`;
export const DESTINATION = `query($id: ID!) { destination(id: $id) { ${DESTINATION_FIELDS} } }`;

export interface DestinationPlugin {
  id: string;
  displayName: string;
  description: string;
  configSchema: JsonSchema;
  secretFields: string[];
  targetFields: string[];
}
/** The part of a plugin's JSON Schema the generated form reads. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  writeOnly?: boolean;
  'x-secret'?: boolean;
}
export const PLUGINS = `{ destinationPlugins { id displayName description configSchema secretFields targetFields } }`;

export const CREATE_DESTINATION = `mutation($input: DestinationInput!) { createDestination(input: $input) { ${FIELD_ERRORS} ... on DestinationCreated { data { id } } } }`;
export const UPDATE_DESTINATION = `mutation($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) { ${FIELD_ERRORS} ... on DestinationUpdated { data { id } } } }`;
export const ENABLE_DESTINATION = `mutation($id: ID!) { enableDestination(id: $id) { ${ERRORS} ... on DestinationEnabled { data { id } } } }`;
export const DISABLE_DESTINATION = `mutation($id: ID!) { disableDestination(id: $id) { ${ERRORS} ... on DestinationDisabled { data { id } } } }`;
export const SYNC_NOW = `mutation($id: ID!) { syncDestinationNow(id: $id) { ${FIELD_ERRORS} ... on SyncQueued { data { id status } } } }`;

export interface CheckStep {
  step: string;
  ok: boolean;
  skipped: boolean;
  message: string;
  durationMs: number;
}
export const TEST_CONNECTION = `mutation($id: ID!) { testDestinationConnection(id: $id) { ${FIELD_ERRORS} ... on ConnectionTested { data { step ok skipped message durationMs } } } }`;

// --- runs and backfills

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface SyncRun {
  id: string;
  status: RunStatus;
  trigger: string;
  queuedTime: string;
  startedTime: string | null;
  finishedTime: string | null;
  durationMs: number | null;
  rows: number;
  bytes: number;
  statements: number;
  attempts: number;
  error: string | null;
  errorKind: string | null;
  /** Postgres snapshots (`xmin:xmax:xip,…`): the run sends what `windowTo` sees and `windowFrom` did not. */
  windowFrom: string | null;
  windowTo: string | null;
}
export const RUNS = `query($id: ID!, $first: Int) { destination(id: $id) { id runs(first: $first) { nodes {
  id status trigger queuedTime startedTime finishedTime durationMs rows bytes statements attempts error errorKind windowFrom windowTo } } } }`;

export interface Backfill {
  id: string;
  status: RunStatus;
  from: string;
  to: string;
  sentUntil: string;
  rowsSent: number;
  rowsToSend: number | null;
  error: string | null;
}
export const BACKFILLS = `query($id: ID!) { destination(id: $id) { id backfills(first: 20) { nodes { id status from to sentUntil rowsSent rowsToSend error } } } }`;
export const BACKFILL = `mutation($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) { ${FIELD_ERRORS} ... on BackfillStarted { data { id } } } }`;
export const CANCEL_BACKFILL = `mutation($id: ID!) { cancelBackfill(id: $id) { ${FIELD_ERRORS} ... on BackfillCancelled { data { id } } } }`;

// --- definitions

export type DefinitionKind = 'Page' | 'Element' | 'Event';
export interface Definition {
  id: string;
  name: string;
  description: string;
  state: 'active' | 'archived';
  version: number;
  rule: Record<string, unknown>;
  modifiedTime: string;
  priority?: number;
}
const DEFINITION_FIELDS = 'id name description state version rule modifiedTime';
export const DEFINITIONS = `query($archived: Boolean) {
  pageDefinitions(first: 500, includeArchived: $archived) { nodes { ${DEFINITION_FIELDS} priority } }
  elementDefinitions(first: 500, includeArchived: $archived) { nodes { ${DEFINITION_FIELDS} } }
  eventDefinitions(first: 500, includeArchived: $archived) { nodes { ${DEFINITION_FIELDS} } } }`;
export const CREATE_DEFINITION: Record<DefinitionKind, string> = {
  Page: `mutation($input: CreatePageDefinitionInput!) { createPageDefinition(input: $input) { ${FIELD_ERRORS} ... on PageDefinitionCreated { data { id } } } }`,
  Element: `mutation($input: CreateElementDefinitionInput!) { createElementDefinition(input: $input) { ${FIELD_ERRORS} ... on ElementDefinitionCreated { data { id } } } }`,
  Event: `mutation($input: CreateEventDefinitionInput!) { createEventDefinition(input: $input) { ${FIELD_ERRORS} ... on EventDefinitionCreated { data { id } } } }`,
};
export const UPDATE_DEFINITION: Record<DefinitionKind, string> = {
  Page: `mutation($id: ID!, $input: UpdatePageDefinitionInput!) { updatePageDefinition(id: $id, input: $input) { ${FIELD_ERRORS} ... on PageDefinitionUpdated { data { id } } } }`,
  Element: `mutation($id: ID!, $input: UpdateElementDefinitionInput!) { updateElementDefinition(id: $id, input: $input) { ${FIELD_ERRORS} ... on ElementDefinitionUpdated { data { id } } } }`,
  Event: `mutation($id: ID!, $input: UpdateEventDefinitionInput!) { updateEventDefinition(id: $id, input: $input) { ${FIELD_ERRORS} ... on EventDefinitionUpdated { data { id } } } }`,
};
export const ARCHIVE_DEFINITION: Record<DefinitionKind, string> = {
  Page: `mutation($id: ID!) { archivePageDefinition(id: $id) { ${FIELD_ERRORS} ... on PageDefinitionArchived { data { id } } } }`,
  Element: `mutation($id: ID!) { archiveElementDefinition(id: $id) { ${FIELD_ERRORS} ... on ElementDefinitionArchived { data { id } } } }`,
  Event: `mutation($id: ID!) { archiveEventDefinition(id: $id) { ${FIELD_ERRORS} ... on EventDefinitionArchived { data { id } } } }`,
};
/** "Test this rule": the newest events (at most `window`) an unsaved rule matches; the rule is checked as create checks it. */
export interface RuleMatches {
  window: number;
  scanned: number;
  matched: number;
  events: EventRow[];
}
const RULE_MATCH_FIELDS = 'window scanned matched events { eventId eventTime processedTime deviceId sessionId viewId eventType sourceType eventProperties sourceProperties }';
export const RULE_MATCHES: Record<DefinitionKind, string> = {
  Page: `query($rule: PageRuleInput!, $first: Int) { pageRuleMatches(rule: $rule, first: $first) { ${FIELD_ERRORS} ... on PageRuleTried { data { ${RULE_MATCH_FIELDS} } } } }`,
  Element: `query($rule: ElementRuleInput!, $first: Int) { elementRuleMatches(rule: $rule, first: $first) { ${FIELD_ERRORS} ... on ElementRuleTried { data { ${RULE_MATCH_FIELDS} } } } }`,
  Event: `query($rule: EventRuleInput!, $first: Int) { eventRuleMatches(rule: $rule, first: $first) { ${FIELD_ERRORS} ... on EventRuleTried { data { ${RULE_MATCH_FIELDS} } } } }`,
};
export const REORDER_PAGES = `mutation($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) { ${FIELD_ERRORS} ... on PageDefinitionsReordered { data { pageDefinitions { id } } } } }`;

// --- events

export interface EventRow {
  eventId: string;
  eventTime: string;
  processedTime: string;
  deviceId: string;
  sessionId: string | null;
  viewId: string | null;
  eventType: string | null;
  sourceType: string;
  eventProperties: Record<string, unknown> | null;
  sourceProperties: Record<string, unknown> | null;
}
export const EVENTS = `query($first: Int, $after: String, $filter: EventFilter) { events(first: $first, after: $after, filter: $filter) {
  nodes { eventId eventTime processedTime deviceId sessionId viewId eventType sourceType eventProperties sourceProperties }
  pageInfo { endCursor hasNextPage } } }`;

// --- keys

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  allowedOrigins: string[];
  createdTime: string;
  revokedTime: string | null;
}
export const API_KEYS = `{ apiKeys(first: 500) { nodes { id name role prefix allowedOrigins createdTime revokedTime } } }`;
export const CREATE_API_KEY = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { ${FIELD_ERRORS} ... on ApiKeyCreated { data { key apiKey { id } } } } }`;
export const REVOKE_API_KEY = `mutation($id: ID!) { revokeApiKey(id: $id) { ${ERRORS} ... on ApiKeyRevoked { data { id } } } }`;

// --- deletion requests and alert webhooks

export interface DeletionRequest {
  id: string;
  subjectKind: string;
  subject: string;
  requestedTime: string;
  requestedBy: string;
  storeRowsDeleted: number;
  suppress: boolean;
  destinations: { destinationId: string; status: string; rowsDeleted: number | null }[];
}
export const DELETION_REQUESTS = `{ deletionRequests(first: 100) { nodes { id subjectKind subject requestedTime requestedBy storeRowsDeleted suppress destinations { destinationId status rowsDeleted } } } }`;
export const REQUEST_DELETION = `mutation($input: RequestDeletionInput!) { requestDeletion(input: $input) { ${FIELD_ERRORS} ... on DeletionRequested { data { id } } } }`;

export interface AlertWebhook {
  id: string;
  url: string;
  createdTime: string;
  deliveries: { nodes: { id: string; event: string; status: string; attempts: number; lastStatusCode: number | null; lastError: string | null; createdTime: string }[] };
}
export const ALERT_WEBHOOKS = `{ alertWebhooks(first: 10) { nodes { id url createdTime deliveries(first: 20) { nodes { id event status attempts lastStatusCode lastError createdTime } } } } }`;
export const CREATE_ALERT_WEBHOOK = `mutation($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) { ${FIELD_ERRORS} ... on AlertWebhookCreated { data { id } } } }`;
export const DELETE_ALERT_WEBHOOK = `mutation($id: ID!) { deleteAlertWebhook(id: $id) { ${ERRORS} ... on AlertWebhookDeleted { data } } }`;
