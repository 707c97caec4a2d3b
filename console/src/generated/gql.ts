/* eslint-disable */
import * as types from './graphql.ts';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment Refused on AppError { code message }": typeof types.RefusedFragmentDoc,
    "fragment RefusedField on ValidationError { field }": typeof types.RefusedFieldFragmentDoc,
    "query Me { me { apiKeyId role organization { name } } }": typeof types.MeDocument,
    "fragment DestinationSummary on Destination { id name pluginId status enabled lagSeconds lastSuccessTime lastError consecutiveFailures nextRunTime }": typeof types.DestinationSummaryFragmentDoc,
    "query Destinations { destinations(first: 100) { nodes { ...DestinationSummary } pageInfo { endCursor hasNextPage } } }": typeof types.DestinationsDocument,
    "query Destination($id: ID!) { destination(id: $id) {\n  ...DestinationSummary config secretFieldsSet clearedSecrets intervalMinutes eventTypesInclude eventTypesExclude pendingDeletions activeSince } }": typeof types.DestinationDocument,
    "query Plugins { destinationPlugins { id displayName description configSchema secretFields targetFields } }": typeof types.PluginsDocument,
    "mutation CreateDestination($input: DestinationInput!) { createDestination(input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationCreated { data { id } } } }": typeof types.CreateDestinationDocument,
    "mutation UpdateDestination($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationUpdated { data { id } } } }": typeof types.UpdateDestinationDocument,
    "mutation EnableDestination($id: ID!) { enableDestination(id: $id) {\n  __typename ...Refused ... on DestinationEnabled { data { id } } } }": typeof types.EnableDestinationDocument,
    "mutation DisableDestination($id: ID!) { disableDestination(id: $id) {\n  __typename ...Refused ... on DestinationDisabled { data { id } } } }": typeof types.DisableDestinationDocument,
    "mutation SyncNow($id: ID!) { syncDestinationNow(id: $id) {\n  __typename ...Refused ...RefusedField ... on SyncQueued { data { id status } } } }": typeof types.SyncNowDocument,
    "mutation TestConnection($id: ID!) { testDestinationConnection(id: $id) {\n  __typename ...Refused ...RefusedField ... on ConnectionTested { data { step ok skipped message durationMs } } } }": typeof types.TestConnectionDocument,
    "query Runs($id: ID!, $first: Int) { destination(id: $id) { id runs(first: $first) { nodes {\n  id status trigger queuedTime startedTime finishedTime durationMs rows bytes statements attempts error errorKind windowFrom windowTo } } } }": typeof types.RunsDocument,
    "query Backfills($id: ID!) { destination(id: $id) { id backfills(first: 20) { nodes { id status from to sentUntil rowsSent rowsToSend error } } } }": typeof types.BackfillsDocument,
    "mutation Backfill($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) {\n  __typename ...Refused ...RefusedField ... on BackfillStarted { data { id } } } }": typeof types.BackfillDocument,
    "mutation CancelBackfill($id: ID!) { cancelBackfill(id: $id) {\n  __typename ...Refused ...RefusedField ... on BackfillCancelled { data { id } } } }": typeof types.CancelBackfillDocument,
    "fragment DefinitionFields on Definition { id name description state version rule modifiedTime }": typeof types.DefinitionFieldsFragmentDoc,
    "query Definitions($archived: Boolean) {\n  pageDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields priority } }\n  elementDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } }\n  eventDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } } }": typeof types.DefinitionsDocument,
    "mutation CreatePageDefinition($input: CreatePageDefinitionInput!) { createPageDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionCreated { data { id } } } }": typeof types.CreatePageDefinitionDocument,
    "mutation CreateElementDefinition($input: CreateElementDefinitionInput!) { createElementDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionCreated { data { id } } } }": typeof types.CreateElementDefinitionDocument,
    "mutation CreateEventDefinition($input: CreateEventDefinitionInput!) { createEventDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionCreated { data { id } } } }": typeof types.CreateEventDefinitionDocument,
    "mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) { updatePageDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionUpdated { data { id } } } }": typeof types.UpdatePageDefinitionDocument,
    "mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) { updateElementDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionUpdated { data { id } } } }": typeof types.UpdateElementDefinitionDocument,
    "mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) { updateEventDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionUpdated { data { id } } } }": typeof types.UpdateEventDefinitionDocument,
    "mutation ArchivePageDefinition($id: ID!) { archivePageDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionArchived { data { id } } } }": typeof types.ArchivePageDefinitionDocument,
    "mutation ArchiveElementDefinition($id: ID!) { archiveElementDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionArchived { data { id } } } }": typeof types.ArchiveElementDefinitionDocument,
    "mutation ArchiveEventDefinition($id: ID!) { archiveEventDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionArchived { data { id } } } }": typeof types.ArchiveEventDefinitionDocument,
    "mutation ReorderPages($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) {\n  __typename ...Refused ...RefusedField ... on PageDefinitionsReordered { data { pageDefinitions { id } } } } }": typeof types.ReorderPagesDocument,
    "fragment RuleMatchesFields on RuleMatches { window scanned matched events { ...EventFields } }": typeof types.RuleMatchesFieldsFragmentDoc,
    "query PageRuleMatches($rule: PageRuleInput!, $first: Int) { pageRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on PageRuleTried { data { ...RuleMatchesFields } } } }": typeof types.PageRuleMatchesDocument,
    "query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) { elementRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on ElementRuleTried { data { ...RuleMatchesFields } } } }": typeof types.ElementRuleMatchesDocument,
    "query EventRuleMatches($rule: EventRuleInput!, $first: Int) { eventRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on EventRuleTried { data { ...RuleMatchesFields } } } }": typeof types.EventRuleMatchesDocument,
    "fragment EventFields on Event { eventId eventTime processedTime deviceId sessionId viewId eventType sourceType eventProperties sourceProperties }": typeof types.EventFieldsFragmentDoc,
    "query Events($first: Int, $after: String, $filter: EventFilter) { events(first: $first, after: $after, filter: $filter) {\n  nodes { ...EventFields } pageInfo { endCursor hasNextPage } } }": typeof types.EventsDocument,
    "query ApiKeys { apiKeys(first: 500) { nodes { id name role prefix allowedOrigins createdTime revokedTime } } }": typeof types.ApiKeysDocument,
    "mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) {\n  __typename ...Refused ...RefusedField ... on ApiKeyCreated { data { key apiKey { id } } } } }": typeof types.CreateApiKeyDocument,
    "mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) {\n  __typename ...Refused ... on ApiKeyRevoked { data { id } } } }": typeof types.RevokeApiKeyDocument,
    "query DeletionRequests { deletionRequests(first: 100) { nodes {\n  id subjectKind subject requestedTime requestedBy storeRowsDeleted suppress destinations { destinationId status rowsDeleted } } } }": typeof types.DeletionRequestsDocument,
    "mutation RequestDeletion($input: RequestDeletionInput!) { requestDeletion(input: $input) {\n  __typename ...Refused ...RefusedField ... on DeletionRequested { data { id } } } }": typeof types.RequestDeletionDocument,
    "query AlertWebhooks { alertWebhooks(first: 10) { nodes {\n  id url createdTime deliveries(first: 20) { nodes { id event status attempts lastStatusCode lastError createdTime } } } } }": typeof types.AlertWebhooksDocument,
    "mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) {\n  __typename ...Refused ...RefusedField ... on AlertWebhookCreated { data { id } } } }": typeof types.CreateAlertWebhookDocument,
    "mutation DeleteAlertWebhook($id: ID!) { deleteAlertWebhook(id: $id) {\n  __typename ...Refused ... on AlertWebhookDeleted { data } } }": typeof types.DeleteAlertWebhookDocument,
};
const documents: Documents = {
    "fragment Refused on AppError { code message }": types.RefusedFragmentDoc,
    "fragment RefusedField on ValidationError { field }": types.RefusedFieldFragmentDoc,
    "query Me { me { apiKeyId role organization { name } } }": types.MeDocument,
    "fragment DestinationSummary on Destination { id name pluginId status enabled lagSeconds lastSuccessTime lastError consecutiveFailures nextRunTime }": types.DestinationSummaryFragmentDoc,
    "query Destinations { destinations(first: 100) { nodes { ...DestinationSummary } pageInfo { endCursor hasNextPage } } }": types.DestinationsDocument,
    "query Destination($id: ID!) { destination(id: $id) {\n  ...DestinationSummary config secretFieldsSet clearedSecrets intervalMinutes eventTypesInclude eventTypesExclude pendingDeletions activeSince } }": types.DestinationDocument,
    "query Plugins { destinationPlugins { id displayName description configSchema secretFields targetFields } }": types.PluginsDocument,
    "mutation CreateDestination($input: DestinationInput!) { createDestination(input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationCreated { data { id } } } }": types.CreateDestinationDocument,
    "mutation UpdateDestination($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationUpdated { data { id } } } }": types.UpdateDestinationDocument,
    "mutation EnableDestination($id: ID!) { enableDestination(id: $id) {\n  __typename ...Refused ... on DestinationEnabled { data { id } } } }": types.EnableDestinationDocument,
    "mutation DisableDestination($id: ID!) { disableDestination(id: $id) {\n  __typename ...Refused ... on DestinationDisabled { data { id } } } }": types.DisableDestinationDocument,
    "mutation SyncNow($id: ID!) { syncDestinationNow(id: $id) {\n  __typename ...Refused ...RefusedField ... on SyncQueued { data { id status } } } }": types.SyncNowDocument,
    "mutation TestConnection($id: ID!) { testDestinationConnection(id: $id) {\n  __typename ...Refused ...RefusedField ... on ConnectionTested { data { step ok skipped message durationMs } } } }": types.TestConnectionDocument,
    "query Runs($id: ID!, $first: Int) { destination(id: $id) { id runs(first: $first) { nodes {\n  id status trigger queuedTime startedTime finishedTime durationMs rows bytes statements attempts error errorKind windowFrom windowTo } } } }": types.RunsDocument,
    "query Backfills($id: ID!) { destination(id: $id) { id backfills(first: 20) { nodes { id status from to sentUntil rowsSent rowsToSend error } } } }": types.BackfillsDocument,
    "mutation Backfill($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) {\n  __typename ...Refused ...RefusedField ... on BackfillStarted { data { id } } } }": types.BackfillDocument,
    "mutation CancelBackfill($id: ID!) { cancelBackfill(id: $id) {\n  __typename ...Refused ...RefusedField ... on BackfillCancelled { data { id } } } }": types.CancelBackfillDocument,
    "fragment DefinitionFields on Definition { id name description state version rule modifiedTime }": types.DefinitionFieldsFragmentDoc,
    "query Definitions($archived: Boolean) {\n  pageDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields priority } }\n  elementDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } }\n  eventDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } } }": types.DefinitionsDocument,
    "mutation CreatePageDefinition($input: CreatePageDefinitionInput!) { createPageDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionCreated { data { id } } } }": types.CreatePageDefinitionDocument,
    "mutation CreateElementDefinition($input: CreateElementDefinitionInput!) { createElementDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionCreated { data { id } } } }": types.CreateElementDefinitionDocument,
    "mutation CreateEventDefinition($input: CreateEventDefinitionInput!) { createEventDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionCreated { data { id } } } }": types.CreateEventDefinitionDocument,
    "mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) { updatePageDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionUpdated { data { id } } } }": types.UpdatePageDefinitionDocument,
    "mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) { updateElementDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionUpdated { data { id } } } }": types.UpdateElementDefinitionDocument,
    "mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) { updateEventDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionUpdated { data { id } } } }": types.UpdateEventDefinitionDocument,
    "mutation ArchivePageDefinition($id: ID!) { archivePageDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionArchived { data { id } } } }": types.ArchivePageDefinitionDocument,
    "mutation ArchiveElementDefinition($id: ID!) { archiveElementDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionArchived { data { id } } } }": types.ArchiveElementDefinitionDocument,
    "mutation ArchiveEventDefinition($id: ID!) { archiveEventDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionArchived { data { id } } } }": types.ArchiveEventDefinitionDocument,
    "mutation ReorderPages($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) {\n  __typename ...Refused ...RefusedField ... on PageDefinitionsReordered { data { pageDefinitions { id } } } } }": types.ReorderPagesDocument,
    "fragment RuleMatchesFields on RuleMatches { window scanned matched events { ...EventFields } }": types.RuleMatchesFieldsFragmentDoc,
    "query PageRuleMatches($rule: PageRuleInput!, $first: Int) { pageRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on PageRuleTried { data { ...RuleMatchesFields } } } }": types.PageRuleMatchesDocument,
    "query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) { elementRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on ElementRuleTried { data { ...RuleMatchesFields } } } }": types.ElementRuleMatchesDocument,
    "query EventRuleMatches($rule: EventRuleInput!, $first: Int) { eventRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on EventRuleTried { data { ...RuleMatchesFields } } } }": types.EventRuleMatchesDocument,
    "fragment EventFields on Event { eventId eventTime processedTime deviceId sessionId viewId eventType sourceType eventProperties sourceProperties }": types.EventFieldsFragmentDoc,
    "query Events($first: Int, $after: String, $filter: EventFilter) { events(first: $first, after: $after, filter: $filter) {\n  nodes { ...EventFields } pageInfo { endCursor hasNextPage } } }": types.EventsDocument,
    "query ApiKeys { apiKeys(first: 500) { nodes { id name role prefix allowedOrigins createdTime revokedTime } } }": types.ApiKeysDocument,
    "mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) {\n  __typename ...Refused ...RefusedField ... on ApiKeyCreated { data { key apiKey { id } } } } }": types.CreateApiKeyDocument,
    "mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) {\n  __typename ...Refused ... on ApiKeyRevoked { data { id } } } }": types.RevokeApiKeyDocument,
    "query DeletionRequests { deletionRequests(first: 100) { nodes {\n  id subjectKind subject requestedTime requestedBy storeRowsDeleted suppress destinations { destinationId status rowsDeleted } } } }": types.DeletionRequestsDocument,
    "mutation RequestDeletion($input: RequestDeletionInput!) { requestDeletion(input: $input) {\n  __typename ...Refused ...RefusedField ... on DeletionRequested { data { id } } } }": types.RequestDeletionDocument,
    "query AlertWebhooks { alertWebhooks(first: 10) { nodes {\n  id url createdTime deliveries(first: 20) { nodes { id event status attempts lastStatusCode lastError createdTime } } } } }": types.AlertWebhooksDocument,
    "mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) {\n  __typename ...Refused ...RefusedField ... on AlertWebhookCreated { data { id } } } }": types.CreateAlertWebhookDocument,
    "mutation DeleteAlertWebhook($id: ID!) { deleteAlertWebhook(id: $id) {\n  __typename ...Refused ... on AlertWebhookDeleted { data } } }": types.DeleteAlertWebhookDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment Refused on AppError { code message }"): typeof import('./graphql.ts').RefusedFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment RefusedField on ValidationError { field }"): typeof import('./graphql.ts').RefusedFieldFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me { me { apiKeyId role organization { name } } }"): typeof import('./graphql.ts').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment DestinationSummary on Destination { id name pluginId status enabled lagSeconds lastSuccessTime lastError consecutiveFailures nextRunTime }"): typeof import('./graphql.ts').DestinationSummaryFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Destinations { destinations(first: 100) { nodes { ...DestinationSummary } pageInfo { endCursor hasNextPage } } }"): typeof import('./graphql.ts').DestinationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Destination($id: ID!) { destination(id: $id) {\n  ...DestinationSummary config secretFieldsSet clearedSecrets intervalMinutes eventTypesInclude eventTypesExclude pendingDeletions activeSince } }"): typeof import('./graphql.ts').DestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Plugins { destinationPlugins { id displayName description configSchema secretFields targetFields } }"): typeof import('./graphql.ts').PluginsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateDestination($input: DestinationInput!) { createDestination(input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationCreated { data { id } } } }"): typeof import('./graphql.ts').CreateDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateDestination($id: ID!, $input: DestinationInput!) { updateDestination(id: $id, input: $input) {\n  __typename ...Refused ...RefusedField ... on DestinationUpdated { data { id } } } }"): typeof import('./graphql.ts').UpdateDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation EnableDestination($id: ID!) { enableDestination(id: $id) {\n  __typename ...Refused ... on DestinationEnabled { data { id } } } }"): typeof import('./graphql.ts').EnableDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DisableDestination($id: ID!) { disableDestination(id: $id) {\n  __typename ...Refused ... on DestinationDisabled { data { id } } } }"): typeof import('./graphql.ts').DisableDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SyncNow($id: ID!) { syncDestinationNow(id: $id) {\n  __typename ...Refused ...RefusedField ... on SyncQueued { data { id status } } } }"): typeof import('./graphql.ts').SyncNowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation TestConnection($id: ID!) { testDestinationConnection(id: $id) {\n  __typename ...Refused ...RefusedField ... on ConnectionTested { data { step ok skipped message durationMs } } } }"): typeof import('./graphql.ts').TestConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Runs($id: ID!, $first: Int) { destination(id: $id) { id runs(first: $first) { nodes {\n  id status trigger queuedTime startedTime finishedTime durationMs rows bytes statements attempts error errorKind windowFrom windowTo } } } }"): typeof import('./graphql.ts').RunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Backfills($id: ID!) { destination(id: $id) { id backfills(first: 20) { nodes { id status from to sentUntil rowsSent rowsToSend error } } } }"): typeof import('./graphql.ts').BackfillsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation Backfill($id: ID!, $from: DateTime!) { backfillDestination(id: $id, from: $from) {\n  __typename ...Refused ...RefusedField ... on BackfillStarted { data { id } } } }"): typeof import('./graphql.ts').BackfillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CancelBackfill($id: ID!) { cancelBackfill(id: $id) {\n  __typename ...Refused ...RefusedField ... on BackfillCancelled { data { id } } } }"): typeof import('./graphql.ts').CancelBackfillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment DefinitionFields on Definition { id name description state version rule modifiedTime }"): typeof import('./graphql.ts').DefinitionFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Definitions($archived: Boolean) {\n  pageDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields priority } }\n  elementDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } }\n  eventDefinitions(first: 500, includeArchived: $archived) { nodes { ...DefinitionFields } } }"): typeof import('./graphql.ts').DefinitionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreatePageDefinition($input: CreatePageDefinitionInput!) { createPageDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionCreated { data { id } } } }"): typeof import('./graphql.ts').CreatePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateElementDefinition($input: CreateElementDefinitionInput!) { createElementDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionCreated { data { id } } } }"): typeof import('./graphql.ts').CreateElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateEventDefinition($input: CreateEventDefinitionInput!) { createEventDefinition(input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionCreated { data { id } } } }"): typeof import('./graphql.ts').CreateEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) { updatePageDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionUpdated { data { id } } } }"): typeof import('./graphql.ts').UpdatePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) { updateElementDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionUpdated { data { id } } } }"): typeof import('./graphql.ts').UpdateElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) { updateEventDefinition(id: $id, input: $input) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionUpdated { data { id } } } }"): typeof import('./graphql.ts').UpdateEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ArchivePageDefinition($id: ID!) { archivePageDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on PageDefinitionArchived { data { id } } } }"): typeof import('./graphql.ts').ArchivePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ArchiveElementDefinition($id: ID!) { archiveElementDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on ElementDefinitionArchived { data { id } } } }"): typeof import('./graphql.ts').ArchiveElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ArchiveEventDefinition($id: ID!) { archiveEventDefinition(id: $id) {\n    __typename ...Refused ...RefusedField ... on EventDefinitionArchived { data { id } } } }"): typeof import('./graphql.ts').ArchiveEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation ReorderPages($ids: [ID!]!) { reorderPageDefinitions(ids: $ids) {\n  __typename ...Refused ...RefusedField ... on PageDefinitionsReordered { data { pageDefinitions { id } } } } }"): typeof import('./graphql.ts').ReorderPagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment RuleMatchesFields on RuleMatches { window scanned matched events { ...EventFields } }"): typeof import('./graphql.ts').RuleMatchesFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PageRuleMatches($rule: PageRuleInput!, $first: Int) { pageRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on PageRuleTried { data { ...RuleMatchesFields } } } }"): typeof import('./graphql.ts').PageRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) { elementRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on ElementRuleTried { data { ...RuleMatchesFields } } } }"): typeof import('./graphql.ts').ElementRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query EventRuleMatches($rule: EventRuleInput!, $first: Int) { eventRuleMatches(rule: $rule, first: $first) {\n    __typename ...Refused ...RefusedField ... on EventRuleTried { data { ...RuleMatchesFields } } } }"): typeof import('./graphql.ts').EventRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment EventFields on Event { eventId eventTime processedTime deviceId sessionId viewId eventType sourceType eventProperties sourceProperties }"): typeof import('./graphql.ts').EventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Events($first: Int, $after: String, $filter: EventFilter) { events(first: $first, after: $after, filter: $filter) {\n  nodes { ...EventFields } pageInfo { endCursor hasNextPage } } }"): typeof import('./graphql.ts').EventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ApiKeys { apiKeys(first: 500) { nodes { id name role prefix allowedOrigins createdTime revokedTime } } }"): typeof import('./graphql.ts').ApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateApiKey($input: CreateApiKeyInput!) { createApiKey(input: $input) {\n  __typename ...Refused ...RefusedField ... on ApiKeyCreated { data { key apiKey { id } } } } }"): typeof import('./graphql.ts').CreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) {\n  __typename ...Refused ... on ApiKeyRevoked { data { id } } } }"): typeof import('./graphql.ts').RevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DeletionRequests { deletionRequests(first: 100) { nodes {\n  id subjectKind subject requestedTime requestedBy storeRowsDeleted suppress destinations { destinationId status rowsDeleted } } } }"): typeof import('./graphql.ts').DeletionRequestsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RequestDeletion($input: RequestDeletionInput!) { requestDeletion(input: $input) {\n  __typename ...Refused ...RefusedField ... on DeletionRequested { data { id } } } }"): typeof import('./graphql.ts').RequestDeletionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AlertWebhooks { alertWebhooks(first: 10) { nodes {\n  id url createdTime deliveries(first: 20) { nodes { id event status attempts lastStatusCode lastError createdTime } } } } }"): typeof import('./graphql.ts').AlertWebhooksDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) { createAlertWebhook(input: $input) {\n  __typename ...Refused ...RefusedField ... on AlertWebhookCreated { data { id } } } }"): typeof import('./graphql.ts').CreateAlertWebhookDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteAlertWebhook($id: ID!) { deleteAlertWebhook(id: $id) {\n  __typename ...Refused ... on AlertWebhookDeleted { data } } }"): typeof import('./graphql.ts').DeleteAlertWebhookDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
