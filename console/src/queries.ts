/**
 * Every GraphQL operation the console sends, in one place. The types of their variables and
 * answers are generated from schema/schema.graphql by GraphQL Code Generator (console/codegen.ts,
 * `npm run codegen`) into console/src/generated/: `graphql()` returns a typed document, and
 * `gql()` (api.ts) infers both from it. A document that no longer matches the schema fails the
 * generation, and test/unit/console-queries.test.ts (the committed output must be what the
 * generator writes now); a page reading a field no query selects fails `tsc`.
 */
import { graphql } from './generated/gql.ts';
import type {
  DefinitionsQuery,
  DestinationsQuery,
  EventsQuery,
  MeQuery,
  PluginsQuery,
  RuleMatchesFieldsFragment,
  RunsQuery,
  TestConnectionMutation,
} from './generated/graphql.ts';

export type { DestinationStatus, Role } from './generated/graphql.ts';

/** The nodes of a connection in an answer. */
type NodeOf<Connection> = Connection extends { nodes: readonly (infer Node)[] } ? Node : never;

// Every mutation answers its payload or an AppError; ValidationError adds the input field at
// fault. Each selects both fragments next to its payload (`dataOf` in api.ts reads them).
graphql(`
  fragment Refused on AppError {
    code
    message
  }
`);
graphql(`
  fragment RefusedField on ValidationError {
    field
  }
`);

export const ME = graphql(`
  query Me {
    me {
      apiKeyId
      role
      organization {
        name
      }
    }
  }
`);
export type Me = MeQuery['me'];

// --- destinations

graphql(`
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
`);
export const DESTINATIONS = graphql(`
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
`);
export type DestinationSummary = NodeOf<DestinationsQuery['destinations']>;

export const DESTINATION = graphql(`
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
`);

export const PLUGINS = graphql(`
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
`);
export type DestinationPlugin = PluginsQuery['destinationPlugins'][number];

/** The part of a plugin's JSON Schema (`configSchema`, a JSON scalar) the generated form reads. */
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

export const CREATE_DESTINATION = graphql(`
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
`);
export const UPDATE_DESTINATION = graphql(`
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
`);
export const ENABLE_DESTINATION = graphql(`
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
`);
export const DISABLE_DESTINATION = graphql(`
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
`);
export const SYNC_NOW = graphql(`
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
`);

export const TEST_CONNECTION = graphql(`
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
`);
export type CheckStep = Extract<TestConnectionMutation['testDestinationConnection'], { __typename: 'ConnectionTested' }>['data'][number];

// --- runs and backfills

/**
 * A run's window is two Postgres snapshots (`xmin:xmax:xip,…`): the run sends what `windowTo`
 * sees and `windowFrom` did not.
 */
export const RUNS = graphql(`
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
`);
export type SyncRun = NodeOf<NonNullable<RunsQuery['destination']>['runs']>;

export const BACKFILLS = graphql(`
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
`);
export const BACKFILL = graphql(`
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
`);
export const CANCEL_BACKFILL = graphql(`
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
`);

// --- definitions

export type DefinitionKind = 'Page' | 'Element' | 'Event';
graphql(`
  fragment DefinitionFields on Definition {
    id
    name
    description
    state
    version
    rule
    modifiedTime
  }
`);
export const DEFINITIONS = graphql(`
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
`);
/** A definition of any kind as the lists show it (`priority` on page definitions only). */
export type Definition = NodeOf<DefinitionsQuery['elementDefinitions']> & Partial<NodeOf<DefinitionsQuery['pageDefinitions']>>;

export const CREATE_DEFINITION = {
  Page: graphql(`
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
  `),
  Element: graphql(`
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
  `),
  Event: graphql(`
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
  `),
};
export const UPDATE_DEFINITION = {
  Page: graphql(`
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
  `),
  Element: graphql(`
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
  `),
  Event: graphql(`
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
  `),
};
export const ARCHIVE_DEFINITION = {
  Page: graphql(`
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
  `),
  Element: graphql(`
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
  `),
  Event: graphql(`
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
  `),
};
export const REORDER_PAGES = graphql(`
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
`);

/** "Test this rule": the newest events (at most `window`) an unsaved rule matches; the rule is checked as create checks it. */
graphql(`
  fragment RuleMatchesFields on RuleMatches {
    window
    scanned
    matched
    events {
      ...EventFields
    }
  }
`);
export type RuleMatches = RuleMatchesFieldsFragment;
export const RULE_MATCHES = {
  Page: graphql(`
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
  `),
  Element: graphql(`
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
  `),
  Event: graphql(`
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
  `),
};

// --- events

graphql(`
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
`);
export const EVENTS = graphql(`
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
`);
export type EventRow = NodeOf<EventsQuery['events']>;

// --- keys

export const API_KEYS = graphql(`
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
`);
export const CREATE_API_KEY = graphql(`
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
`);
export const REVOKE_API_KEY = graphql(`
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
`);

// --- deletion requests and alert webhooks

export const DELETION_REQUESTS = graphql(`
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
`);
export const REQUEST_DELETION = graphql(`
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
`);

export const ALERT_WEBHOOKS = graphql(`
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
`);
export const CREATE_ALERT_WEBHOOK = graphql(`
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
`);
export const DELETE_ALERT_WEBHOOK = graphql(`
  mutation DeleteAlertWebhook($id: ID!) {
    deleteAlertWebhook(id: $id) {
      __typename
      ...Refused
      ... on AlertWebhookDeleted {
        data
      }
    }
  }
`);
