/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type AlertDeliveryStatus =
  /** The webhook answered 2xx. */
  | 'delivered'
  /** Every attempt failed; no more are made. */
  | 'failed'
  /** Not delivered yet: sent at its next attempt time. */
  | 'pending';

export type AlertEvent =
  /** A lagging destination caught up. */
  | 'DESTINATION_CAUGHT_UP'
  /** The destination became FAILING. */
  | 'DESTINATION_FAILING'
  /** Its last successful sync read up to more than two intervals plus 15 minutes ago. */
  | 'DESTINATION_LAGGING'
  /** A FAILING destination synced again. */
  | 'DESTINATION_RECOVERED';

export type CreateAlertWebhookInput = {
  /** 16 to 256 characters; signs each call (HMAC-SHA256); stored encrypted, never returned. */
  secret: string;
  /** http(s) URL, under the same host policy as destinations (TRIBUTARY_DESTINATION_HOSTS, private networks). */
  url: string;
};

export type CreateApiKeyInput = {
  allowedOrigins?: Array<string> | null | undefined;
  name: string;
  role: Role;
};

export type CreateElementDefinitionInput = {
  description?: string | null | undefined;
  name: string;
  rule: ElementRuleInput;
};

export type CreateEventDefinitionInput = {
  description?: string | null | undefined;
  name: string;
  rule: EventRuleInput;
};

export type CreatePageDefinitionInput = {
  description?: string | null | undefined;
  name: string;
  /** Where it runs among active page definitions (lower first); default: after the last. */
  priority?: number | null | undefined;
  rule: PageRuleInput;
};

export type DefinitionState =
  | 'active'
  | 'archived';

export type DeletionStatus =
  /** The destination deleted the rows. */
  | 'done'
  /** The destination deletes the rows at its next successful sync. */
  | 'pending'
  /** The destination’s plugin cannot delete devices: the rows are still there. */
  | 'unsupported';

export type DestinationInput = {
  /** Only when creating: start with a backfill of what was captured from this instant until the creation (see backfillDestination). */
  backfillFrom?: string | null | undefined;
  /** The plugin's config. On update, fields left out keep their value, except secrets when a target field changes (they are cleared: see Destination.clearedSecrets); a field given as null is removed. */
  config?: unknown;
  enabled?: boolean | null | undefined;
  eventTypesExclude?: Array<string> | null | undefined;
  eventTypesInclude?: Array<string> | null | undefined;
  intervalMinutes?: number | null | undefined;
  name?: string | null | undefined;
  /** Only when creating. */
  pluginId?: string | null | undefined;
};

export type DestinationStatus =
  | 'DISABLED'
  /** 3 failed runs in a row, or a permanent error; data keeps accumulating */
  | 'FAILING'
  | 'HEALTHY';

export type ElementRuleInput = {
  /** Only on this (active) page definition. */
  pageDefinitionId?: string | number | null | undefined;
  /** CSS selector, e.g. `form button.primary`. */
  selector: string;
};

export type EventFilter = {
  deviceId?: string | null | undefined;
  eventType?: string | null | undefined;
  /** event_time at or after */
  from?: string | null | undefined;
  includeTombstones?: boolean | null | undefined;
  sessionId?: string | null | undefined;
  /** event_time before */
  to?: string | null | undefined;
};

/** Every given condition must hold; at least one is required. */
export type EventRuleInput = {
  elementDefinitionId?: string | number | null | undefined;
  eventType?: string | null | undefined;
  pageDefinitionId?: string | number | null | undefined;
  properties?: Array<PropertyConditionInput> | null | undefined;
};

/** Every given part must match. Patterns: `*` within one segment, `**` as a whole segment for any number of segments. */
export type PageRuleInput = {
  /** Pattern over the path inside `#`, e.g. `/pay` for `#/pay?x=1`. */
  fragment?: string | null | undefined;
  /** e.g. `*.shop.example` */
  host?: string | null | undefined;
  /** e.g. `/products/*\/reviews/**` */
  path?: string | null | undefined;
  /** Conditions on the query string and the fragment query. */
  query?: Array<QueryConditionInput> | null | undefined;
};

export type PropertyConditionInput = {
  op: PropertyOperator;
  /** Dotted path into event_properties, e.g. `target.text`, `cart.total`. */
  path: string;
  /** A string, number or boolean; none for EXISTS and NOT_EXISTS. */
  value?: unknown;
};

export type PropertyOperator =
  | 'CONTAINS'
  | 'EQUALS'
  | 'EXISTS'
  | 'GT'
  | 'GTE'
  | 'LT'
  | 'LTE'
  | 'NOT_EQUALS'
  | 'NOT_EXISTS'
  | 'REGEX';

export type QueryConditionInput = {
  key: string;
  op: QueryOperator;
  /** For EQUALS and CONTAINS (URL-decoded, case-sensitive). */
  value?: string | null | undefined;
};

export type QueryOperator =
  | 'CONTAINS'
  | 'EQUALS'
  | 'EXISTS';

export type RequestDeletionInput = {
  /** One device id (decimal int64). */
  deviceId?: string | null | undefined;
  /** Also drop every later event of these devices at capture (default false). */
  suppress?: boolean | null | undefined;
  /** A user id: every device identified as them. */
  userId?: string | null | undefined;
};

export type Role =
  | 'admin'
  | 'analyst'
  | 'architect'
  | 'capture';

export type SyncRunStatus =
  /** Backfills only. */
  | 'cancelled'
  | 'failed'
  | 'queued'
  | 'running'
  | 'succeeded';

/** Only the given fields change; a rule replaces the whole rule. */
export type UpdateElementDefinitionInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  rule?: ElementRuleInput | null | undefined;
};

/** Only the given fields change; a rule replaces the whole rule. */
export type UpdateEventDefinitionInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  rule?: EventRuleInput | null | undefined;
};

/** Only the given fields change; a rule replaces the whole rule. */
export type UpdatePageDefinitionInput = {
  description?: string | null | undefined;
  name?: string | null | undefined;
  priority?: number | null | undefined;
  rule?: PageRuleInput | null | undefined;
};

type Refused_NotFoundError_Fragment = { code: string, message: string };

type Refused_ValidationError_Fragment = { code: string, message: string };

export type RefusedFragment =
  | Refused_NotFoundError_Fragment
  | Refused_ValidationError_Fragment
;

export type RefusedFieldFragment = { field: string | null };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { apiKeyId: string, role: Role, organization: { name: string } } };

export type DestinationSummaryFragment = { id: string, name: string, pluginId: string, status: DestinationStatus, enabled: boolean, lagSeconds: number | null, lastSuccessTime: string | null, lastError: string | null, consecutiveFailures: number, nextRunTime: string };

export type DestinationsQueryVariables = Exact<{ [key: string]: never; }>;


export type DestinationsQuery = { destinations: { nodes: Array<{ id: string, name: string, pluginId: string, status: DestinationStatus, enabled: boolean, lagSeconds: number | null, lastSuccessTime: string | null, lastError: string | null, consecutiveFailures: number, nextRunTime: string }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type DestinationQueryVariables = Exact<{
  id: string | number;
}>;


export type DestinationQuery = { destination: { config: unknown, secretFieldsSet: boolean, clearedSecrets: Array<string>, intervalMinutes: number, eventTypesInclude: Array<string> | null, eventTypesExclude: Array<string> | null, pendingDeletions: number, activeSince: string | null, id: string, name: string, pluginId: string, status: DestinationStatus, enabled: boolean, lagSeconds: number | null, lastSuccessTime: string | null, lastError: string | null, consecutiveFailures: number, nextRunTime: string } | null };

export type PluginsQueryVariables = Exact<{ [key: string]: never; }>;


export type PluginsQuery = { destinationPlugins: Array<{ id: string, displayName: string, description: string, configSchema: unknown, secretFields: Array<string>, targetFields: Array<string> }> };

export type CreateDestinationMutationVariables = Exact<{
  input: DestinationInput;
}>;


export type CreateDestinationMutation = { createDestination:
    | { __typename: 'DestinationCreated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type UpdateDestinationMutationVariables = Exact<{
  id: string | number;
  input: DestinationInput;
}>;


export type UpdateDestinationMutation = { updateDestination:
    | { __typename: 'DestinationUpdated', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type EnableDestinationMutationVariables = Exact<{
  id: string | number;
}>;


export type EnableDestinationMutation = { enableDestination:
    | { __typename: 'DestinationEnabled', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
   };

export type DisableDestinationMutationVariables = Exact<{
  id: string | number;
}>;


export type DisableDestinationMutation = { disableDestination:
    | { __typename: 'DestinationDisabled', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
   };

export type SyncNowMutationVariables = Exact<{
  id: string | number;
}>;


export type SyncNowMutation = { syncDestinationNow:
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'SyncQueued', data: { id: string, status: SyncRunStatus } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type TestConnectionMutationVariables = Exact<{
  id: string | number;
}>;


export type TestConnectionMutation = { testDestinationConnection:
    | { __typename: 'ConnectionTested', data: Array<{ step: string, ok: boolean, skipped: boolean, message: string, durationMs: number }> }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type RunsQueryVariables = Exact<{
  id: string | number;
  first?: number | null | undefined;
}>;


export type RunsQuery = { destination: { id: string, runs: { nodes: Array<{ id: string, status: SyncRunStatus, trigger: string, queuedTime: string, startedTime: string | null, finishedTime: string | null, durationMs: number | null, rows: number, bytes: number, statements: number, attempts: number, error: string | null, errorKind: string | null, windowFrom: string | null, windowTo: string | null }> } } | null };

export type BackfillsQueryVariables = Exact<{
  id: string | number;
}>;


export type BackfillsQuery = { destination: { id: string, backfills: { nodes: Array<{ id: string, status: SyncRunStatus, from: string, to: string, sentUntil: string, rowsSent: number, rowsToSend: number | null, error: string | null }> } } | null };

export type BackfillMutationVariables = Exact<{
  id: string | number;
  from: string;
}>;


export type BackfillMutation = { backfillDestination:
    | { __typename: 'BackfillStarted', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type CancelBackfillMutationVariables = Exact<{
  id: string | number;
}>;


export type CancelBackfillMutation = { cancelBackfill:
    | { __typename: 'BackfillCancelled', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

type DefinitionFields_ElementDefinition_Fragment = { id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string };

type DefinitionFields_EventDefinition_Fragment = { id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string };

type DefinitionFields_PageDefinition_Fragment = { id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string };

export type DefinitionFieldsFragment =
  | DefinitionFields_ElementDefinition_Fragment
  | DefinitionFields_EventDefinition_Fragment
  | DefinitionFields_PageDefinition_Fragment
;

export type DefinitionsQueryVariables = Exact<{
  archived?: boolean | null | undefined;
}>;


export type DefinitionsQuery = { pageDefinitions: { nodes: Array<{ priority: number, id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string }> }, elementDefinitions: { nodes: Array<{ id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string }> }, eventDefinitions: { nodes: Array<{ id: string, name: string, description: string, state: DefinitionState, version: number, rule: unknown, modifiedTime: string }> } };

export type CreatePageDefinitionMutationVariables = Exact<{
  input: CreatePageDefinitionInput;
}>;


export type CreatePageDefinitionMutation = { createPageDefinition:
    | { __typename: 'PageDefinitionCreated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type CreateElementDefinitionMutationVariables = Exact<{
  input: CreateElementDefinitionInput;
}>;


export type CreateElementDefinitionMutation = { createElementDefinition:
    | { __typename: 'ElementDefinitionCreated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type CreateEventDefinitionMutationVariables = Exact<{
  input: CreateEventDefinitionInput;
}>;


export type CreateEventDefinitionMutation = { createEventDefinition:
    | { __typename: 'EventDefinitionCreated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type UpdatePageDefinitionMutationVariables = Exact<{
  id: string | number;
  input: UpdatePageDefinitionInput;
}>;


export type UpdatePageDefinitionMutation = { updatePageDefinition:
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'PageDefinitionUpdated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type UpdateElementDefinitionMutationVariables = Exact<{
  id: string | number;
  input: UpdateElementDefinitionInput;
}>;


export type UpdateElementDefinitionMutation = { updateElementDefinition:
    | { __typename: 'ElementDefinitionUpdated', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type UpdateEventDefinitionMutationVariables = Exact<{
  id: string | number;
  input: UpdateEventDefinitionInput;
}>;


export type UpdateEventDefinitionMutation = { updateEventDefinition:
    | { __typename: 'EventDefinitionUpdated', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type ArchivePageDefinitionMutationVariables = Exact<{
  id: string | number;
}>;


export type ArchivePageDefinitionMutation = { archivePageDefinition:
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'PageDefinitionArchived', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type ArchiveElementDefinitionMutationVariables = Exact<{
  id: string | number;
}>;


export type ArchiveElementDefinitionMutation = { archiveElementDefinition:
    | { __typename: 'ElementDefinitionArchived', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type ArchiveEventDefinitionMutationVariables = Exact<{
  id: string | number;
}>;


export type ArchiveEventDefinitionMutation = { archiveEventDefinition:
    | { __typename: 'EventDefinitionArchived', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type ReorderPagesMutationVariables = Exact<{
  ids: Array<string | number> | string | number;
}>;


export type ReorderPagesMutation = { reorderPageDefinitions:
    | { __typename: 'NotFoundError', code: string, message: string }
    | { __typename: 'PageDefinitionsReordered', data: { pageDefinitions: Array<{ id: string }> } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type RuleMatchesFieldsFragment = { window: number, scanned: number, matched: number, events: Array<{ eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown }> };

export type PageRuleMatchesQueryVariables = Exact<{
  rule: PageRuleInput;
  first?: number | null | undefined;
}>;


export type PageRuleMatchesQuery = { pageRuleMatches:
    | { __typename: 'PageRuleTried', data: { window: number, scanned: number, matched: number, events: Array<{ eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown }> } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type ElementRuleMatchesQueryVariables = Exact<{
  rule: ElementRuleInput;
  first?: number | null | undefined;
}>;


export type ElementRuleMatchesQuery = { elementRuleMatches:
    | { __typename: 'ElementRuleTried', data: { window: number, scanned: number, matched: number, events: Array<{ eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown }> } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type EventRuleMatchesQueryVariables = Exact<{
  rule: EventRuleInput;
  first?: number | null | undefined;
}>;


export type EventRuleMatchesQuery = { eventRuleMatches:
    | { __typename: 'EventRuleTried', data: { window: number, scanned: number, matched: number, events: Array<{ eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown }> } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type EventFieldsFragment = { eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown };

export type EventsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: EventFilter | null | undefined;
}>;


export type EventsQuery = { events: { nodes: Array<{ eventId: string, eventTime: string, processedTime: string, deviceId: string, sessionId: string | null, viewId: string | null, eventType: string | null, sourceType: string, eventProperties: unknown, sourceProperties: unknown }>, pageInfo: { endCursor: string | null, hasNextPage: boolean } } };

export type ApiKeysQueryVariables = Exact<{ [key: string]: never; }>;


export type ApiKeysQuery = { apiKeys: { nodes: Array<{ id: string, name: string, role: Role, prefix: string, allowedOrigins: Array<string>, createdTime: string, revokedTime: string | null }> } };

export type CreateApiKeyMutationVariables = Exact<{
  input: CreateApiKeyInput;
}>;


export type CreateApiKeyMutation = { createApiKey:
    | { __typename: 'ApiKeyCreated', data: { key: string, apiKey: { id: string } } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type RevokeApiKeyMutationVariables = Exact<{
  id: string | number;
}>;


export type RevokeApiKeyMutation = { revokeApiKey:
    | { __typename: 'ApiKeyRevoked', data: { id: string } }
    | { __typename: 'NotFoundError', code: string, message: string }
   };

export type DeletionRequestsQueryVariables = Exact<{ [key: string]: never; }>;


export type DeletionRequestsQuery = { deletionRequests: { nodes: Array<{ id: string, subjectKind: string, subject: string, requestedTime: string, requestedBy: string, storeRowsDeleted: number, suppress: boolean, destinations: Array<{ destinationId: string, status: DeletionStatus, rowsDeleted: number | null }> }> } };

export type RequestDeletionMutationVariables = Exact<{
  input: RequestDeletionInput;
}>;


export type RequestDeletionMutation = { requestDeletion:
    | { __typename: 'DeletionRequested', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type AlertWebhooksQueryVariables = Exact<{ [key: string]: never; }>;


export type AlertWebhooksQuery = { alertWebhooks: { nodes: Array<{ id: string, url: string, createdTime: string, deliveries: { nodes: Array<{ id: string, event: AlertEvent, status: AlertDeliveryStatus, attempts: number, lastStatusCode: number | null, lastError: string | null, createdTime: string }> } }> } };

export type CreateAlertWebhookMutationVariables = Exact<{
  input: CreateAlertWebhookInput;
}>;


export type CreateAlertWebhookMutation = { createAlertWebhook:
    | { __typename: 'AlertWebhookCreated', data: { id: string } }
    | { __typename: 'ValidationError', code: string, message: string, field: string | null }
   };

export type DeleteAlertWebhookMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteAlertWebhookMutation = { deleteAlertWebhook:
    | { __typename: 'AlertWebhookDeleted', data: boolean }
    | { __typename: 'NotFoundError', code: string, message: string }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const RefusedFragmentDoc = new TypedDocumentString(`
    fragment Refused on AppError {
  code
  message
}
    `, {"fragmentName":"Refused"}) as unknown as TypedDocumentString<RefusedFragment, unknown>;
export const RefusedFieldFragmentDoc = new TypedDocumentString(`
    fragment RefusedField on ValidationError {
  field
}
    `, {"fragmentName":"RefusedField"}) as unknown as TypedDocumentString<RefusedFieldFragment, unknown>;
export const DestinationSummaryFragmentDoc = new TypedDocumentString(`
    fragment DestinationSummary on Destination {
  id
  name
  pluginId
  status
  enabled
  lagSeconds
  lastSuccessTime
  lastError
  consecutiveFailures
  nextRunTime
}
    `, {"fragmentName":"DestinationSummary"}) as unknown as TypedDocumentString<DestinationSummaryFragment, unknown>;
export const DefinitionFieldsFragmentDoc = new TypedDocumentString(`
    fragment DefinitionFields on Definition {
  id
  name
  description
  state
  version
  rule
  modifiedTime
}
    `, {"fragmentName":"DefinitionFields"}) as unknown as TypedDocumentString<DefinitionFieldsFragment, unknown>;
export const EventFieldsFragmentDoc = new TypedDocumentString(`
    fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}
    `, {"fragmentName":"EventFields"}) as unknown as TypedDocumentString<EventFieldsFragment, unknown>;
export const RuleMatchesFieldsFragmentDoc = new TypedDocumentString(`
    fragment RuleMatchesFields on RuleMatches {
  window
  scanned
  matched
  events {
    ...EventFields
  }
}
    fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}`, {"fragmentName":"RuleMatchesFields"}) as unknown as TypedDocumentString<RuleMatchesFieldsFragment, unknown>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    apiKeyId
    role
    organization {
      name
    }
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const DestinationsDocument = new TypedDocumentString(`
    query Destinations {
  destinations(first: 100) {
    nodes {
      ...DestinationSummary
    }
    pageInfo {
      endCursor
      hasNextPage
    }
  }
}
    fragment DestinationSummary on Destination {
  id
  name
  pluginId
  status
  enabled
  lagSeconds
  lastSuccessTime
  lastError
  consecutiveFailures
  nextRunTime
}`) as unknown as TypedDocumentString<DestinationsQuery, DestinationsQueryVariables>;
export const DestinationDocument = new TypedDocumentString(`
    query Destination($id: ID!) {
  destination(id: $id) {
    ...DestinationSummary
    config
    secretFieldsSet
    clearedSecrets
    intervalMinutes
    eventTypesInclude
    eventTypesExclude
    pendingDeletions
    activeSince
  }
}
    fragment DestinationSummary on Destination {
  id
  name
  pluginId
  status
  enabled
  lagSeconds
  lastSuccessTime
  lastError
  consecutiveFailures
  nextRunTime
}`) as unknown as TypedDocumentString<DestinationQuery, DestinationQueryVariables>;
export const PluginsDocument = new TypedDocumentString(`
    query Plugins {
  destinationPlugins {
    id
    displayName
    description
    configSchema
    secretFields
    targetFields
  }
}
    `) as unknown as TypedDocumentString<PluginsQuery, PluginsQueryVariables>;
export const CreateDestinationDocument = new TypedDocumentString(`
    mutation CreateDestination($input: DestinationInput!) {
  createDestination(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on DestinationCreated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreateDestinationMutation, CreateDestinationMutationVariables>;
export const UpdateDestinationDocument = new TypedDocumentString(`
    mutation UpdateDestination($id: ID!, $input: DestinationInput!) {
  updateDestination(id: $id, input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on DestinationUpdated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<UpdateDestinationMutation, UpdateDestinationMutationVariables>;
export const EnableDestinationDocument = new TypedDocumentString(`
    mutation EnableDestination($id: ID!) {
  enableDestination(id: $id) {
    __typename
    ...Refused
    ... on DestinationEnabled {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}`) as unknown as TypedDocumentString<EnableDestinationMutation, EnableDestinationMutationVariables>;
export const DisableDestinationDocument = new TypedDocumentString(`
    mutation DisableDestination($id: ID!) {
  disableDestination(id: $id) {
    __typename
    ...Refused
    ... on DestinationDisabled {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}`) as unknown as TypedDocumentString<DisableDestinationMutation, DisableDestinationMutationVariables>;
export const SyncNowDocument = new TypedDocumentString(`
    mutation SyncNow($id: ID!) {
  syncDestinationNow(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on SyncQueued {
      data {
        id
        status
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<SyncNowMutation, SyncNowMutationVariables>;
export const TestConnectionDocument = new TypedDocumentString(`
    mutation TestConnection($id: ID!) {
  testDestinationConnection(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on ConnectionTested {
      data {
        step
        ok
        skipped
        message
        durationMs
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<TestConnectionMutation, TestConnectionMutationVariables>;
export const RunsDocument = new TypedDocumentString(`
    query Runs($id: ID!, $first: Int) {
  destination(id: $id) {
    id
    runs(first: $first) {
      nodes {
        id
        status
        trigger
        queuedTime
        startedTime
        finishedTime
        durationMs
        rows
        bytes
        statements
        attempts
        error
        errorKind
        windowFrom
        windowTo
      }
    }
  }
}
    `) as unknown as TypedDocumentString<RunsQuery, RunsQueryVariables>;
export const BackfillsDocument = new TypedDocumentString(`
    query Backfills($id: ID!) {
  destination(id: $id) {
    id
    backfills(first: 20) {
      nodes {
        id
        status
        from
        to
        sentUntil
        rowsSent
        rowsToSend
        error
      }
    }
  }
}
    `) as unknown as TypedDocumentString<BackfillsQuery, BackfillsQueryVariables>;
export const BackfillDocument = new TypedDocumentString(`
    mutation Backfill($id: ID!, $from: DateTime!) {
  backfillDestination(id: $id, from: $from) {
    __typename
    ...Refused
    ...RefusedField
    ... on BackfillStarted {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<BackfillMutation, BackfillMutationVariables>;
export const CancelBackfillDocument = new TypedDocumentString(`
    mutation CancelBackfill($id: ID!) {
  cancelBackfill(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on BackfillCancelled {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CancelBackfillMutation, CancelBackfillMutationVariables>;
export const DefinitionsDocument = new TypedDocumentString(`
    query Definitions($archived: Boolean) {
  pageDefinitions(first: 500, includeArchived: $archived) {
    nodes {
      ...DefinitionFields
      priority
    }
  }
  elementDefinitions(first: 500, includeArchived: $archived) {
    nodes {
      ...DefinitionFields
    }
  }
  eventDefinitions(first: 500, includeArchived: $archived) {
    nodes {
      ...DefinitionFields
    }
  }
}
    fragment DefinitionFields on Definition {
  id
  name
  description
  state
  version
  rule
  modifiedTime
}`) as unknown as TypedDocumentString<DefinitionsQuery, DefinitionsQueryVariables>;
export const CreatePageDefinitionDocument = new TypedDocumentString(`
    mutation CreatePageDefinition($input: CreatePageDefinitionInput!) {
  createPageDefinition(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on PageDefinitionCreated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreatePageDefinitionMutation, CreatePageDefinitionMutationVariables>;
export const CreateElementDefinitionDocument = new TypedDocumentString(`
    mutation CreateElementDefinition($input: CreateElementDefinitionInput!) {
  createElementDefinition(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on ElementDefinitionCreated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreateElementDefinitionMutation, CreateElementDefinitionMutationVariables>;
export const CreateEventDefinitionDocument = new TypedDocumentString(`
    mutation CreateEventDefinition($input: CreateEventDefinitionInput!) {
  createEventDefinition(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on EventDefinitionCreated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreateEventDefinitionMutation, CreateEventDefinitionMutationVariables>;
export const UpdatePageDefinitionDocument = new TypedDocumentString(`
    mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) {
  updatePageDefinition(id: $id, input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on PageDefinitionUpdated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<UpdatePageDefinitionMutation, UpdatePageDefinitionMutationVariables>;
export const UpdateElementDefinitionDocument = new TypedDocumentString(`
    mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) {
  updateElementDefinition(id: $id, input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on ElementDefinitionUpdated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<UpdateElementDefinitionMutation, UpdateElementDefinitionMutationVariables>;
export const UpdateEventDefinitionDocument = new TypedDocumentString(`
    mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) {
  updateEventDefinition(id: $id, input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on EventDefinitionUpdated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<UpdateEventDefinitionMutation, UpdateEventDefinitionMutationVariables>;
export const ArchivePageDefinitionDocument = new TypedDocumentString(`
    mutation ArchivePageDefinition($id: ID!) {
  archivePageDefinition(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on PageDefinitionArchived {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<ArchivePageDefinitionMutation, ArchivePageDefinitionMutationVariables>;
export const ArchiveElementDefinitionDocument = new TypedDocumentString(`
    mutation ArchiveElementDefinition($id: ID!) {
  archiveElementDefinition(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on ElementDefinitionArchived {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<ArchiveElementDefinitionMutation, ArchiveElementDefinitionMutationVariables>;
export const ArchiveEventDefinitionDocument = new TypedDocumentString(`
    mutation ArchiveEventDefinition($id: ID!) {
  archiveEventDefinition(id: $id) {
    __typename
    ...Refused
    ...RefusedField
    ... on EventDefinitionArchived {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<ArchiveEventDefinitionMutation, ArchiveEventDefinitionMutationVariables>;
export const ReorderPagesDocument = new TypedDocumentString(`
    mutation ReorderPages($ids: [ID!]!) {
  reorderPageDefinitions(ids: $ids) {
    __typename
    ...Refused
    ...RefusedField
    ... on PageDefinitionsReordered {
      data {
        pageDefinitions {
          id
        }
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<ReorderPagesMutation, ReorderPagesMutationVariables>;
export const PageRuleMatchesDocument = new TypedDocumentString(`
    query PageRuleMatches($rule: PageRuleInput!, $first: Int) {
  pageRuleMatches(rule: $rule, first: $first) {
    __typename
    ...Refused
    ...RefusedField
    ... on PageRuleTried {
      data {
        ...RuleMatchesFields
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}
fragment RuleMatchesFields on RuleMatches {
  window
  scanned
  matched
  events {
    ...EventFields
  }
}
fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}`) as unknown as TypedDocumentString<PageRuleMatchesQuery, PageRuleMatchesQueryVariables>;
export const ElementRuleMatchesDocument = new TypedDocumentString(`
    query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) {
  elementRuleMatches(rule: $rule, first: $first) {
    __typename
    ...Refused
    ...RefusedField
    ... on ElementRuleTried {
      data {
        ...RuleMatchesFields
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}
fragment RuleMatchesFields on RuleMatches {
  window
  scanned
  matched
  events {
    ...EventFields
  }
}
fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}`) as unknown as TypedDocumentString<ElementRuleMatchesQuery, ElementRuleMatchesQueryVariables>;
export const EventRuleMatchesDocument = new TypedDocumentString(`
    query EventRuleMatches($rule: EventRuleInput!, $first: Int) {
  eventRuleMatches(rule: $rule, first: $first) {
    __typename
    ...Refused
    ...RefusedField
    ... on EventRuleTried {
      data {
        ...RuleMatchesFields
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}
fragment RuleMatchesFields on RuleMatches {
  window
  scanned
  matched
  events {
    ...EventFields
  }
}
fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}`) as unknown as TypedDocumentString<EventRuleMatchesQuery, EventRuleMatchesQueryVariables>;
export const EventsDocument = new TypedDocumentString(`
    query Events($first: Int, $after: String, $filter: EventFilter) {
  events(first: $first, after: $after, filter: $filter) {
    nodes {
      ...EventFields
    }
    pageInfo {
      endCursor
      hasNextPage
    }
  }
}
    fragment EventFields on Event {
  eventId
  eventTime
  processedTime
  deviceId
  sessionId
  viewId
  eventType
  sourceType
  eventProperties
  sourceProperties
}`) as unknown as TypedDocumentString<EventsQuery, EventsQueryVariables>;
export const ApiKeysDocument = new TypedDocumentString(`
    query ApiKeys {
  apiKeys(first: 500) {
    nodes {
      id
      name
      role
      prefix
      allowedOrigins
      createdTime
      revokedTime
    }
  }
}
    `) as unknown as TypedDocumentString<ApiKeysQuery, ApiKeysQueryVariables>;
export const CreateApiKeyDocument = new TypedDocumentString(`
    mutation CreateApiKey($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on ApiKeyCreated {
      data {
        key
        apiKey {
          id
        }
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreateApiKeyMutation, CreateApiKeyMutationVariables>;
export const RevokeApiKeyDocument = new TypedDocumentString(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    __typename
    ...Refused
    ... on ApiKeyRevoked {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}`) as unknown as TypedDocumentString<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>;
export const DeletionRequestsDocument = new TypedDocumentString(`
    query DeletionRequests {
  deletionRequests(first: 100) {
    nodes {
      id
      subjectKind
      subject
      requestedTime
      requestedBy
      storeRowsDeleted
      suppress
      destinations {
        destinationId
        status
        rowsDeleted
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DeletionRequestsQuery, DeletionRequestsQueryVariables>;
export const RequestDeletionDocument = new TypedDocumentString(`
    mutation RequestDeletion($input: RequestDeletionInput!) {
  requestDeletion(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on DeletionRequested {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<RequestDeletionMutation, RequestDeletionMutationVariables>;
export const AlertWebhooksDocument = new TypedDocumentString(`
    query AlertWebhooks {
  alertWebhooks(first: 10) {
    nodes {
      id
      url
      createdTime
      deliveries(first: 20) {
        nodes {
          id
          event
          status
          attempts
          lastStatusCode
          lastError
          createdTime
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<AlertWebhooksQuery, AlertWebhooksQueryVariables>;
export const CreateAlertWebhookDocument = new TypedDocumentString(`
    mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) {
  createAlertWebhook(input: $input) {
    __typename
    ...Refused
    ...RefusedField
    ... on AlertWebhookCreated {
      data {
        id
      }
    }
  }
}
    fragment Refused on AppError {
  code
  message
}
fragment RefusedField on ValidationError {
  field
}`) as unknown as TypedDocumentString<CreateAlertWebhookMutation, CreateAlertWebhookMutationVariables>;
export const DeleteAlertWebhookDocument = new TypedDocumentString(`
    mutation DeleteAlertWebhook($id: ID!) {
  deleteAlertWebhook(id: $id) {
    __typename
    ...Refused
    ... on AlertWebhookDeleted {
      data
    }
  }
}
    fragment Refused on AppError {
  code
  message
}`) as unknown as TypedDocumentString<DeleteAlertWebhookMutation, DeleteAlertWebhookMutationVariables>;