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
    "\n  fragment Refused on AppError {\n    code\n    message\n  }\n": typeof types.RefusedFragmentDoc,
    "\n  fragment RefusedField on ValidationError {\n    field\n  }\n": typeof types.RefusedFieldFragmentDoc,
    "\n  query Me {\n    me {\n      apiKeyId\n      role\n      organization {\n        name\n      }\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment DestinationSummary on Destination {\n    id\n    name\n    pluginId\n    status\n    enabled\n    lagSeconds\n    lastSuccessTime\n    lastError\n    consecutiveFailures\n    nextRunTime\n  }\n": typeof types.DestinationSummaryFragmentDoc,
    "\n  query Destinations {\n    destinations(first: 100) {\n      nodes {\n        ...DestinationSummary\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.DestinationsDocument,
    "\n  query Destination($id: ID!) {\n    destination(id: $id) {\n      ...DestinationSummary\n      config\n      secretFieldsSet\n      clearedSecrets\n      intervalMinutes\n      eventTypesInclude\n      eventTypesExclude\n      pendingDeletions\n      activeSince\n    }\n  }\n": typeof types.DestinationDocument,
    "\n  query Plugins {\n    destinationPlugins {\n      id\n      displayName\n      description\n      configSchema\n      secretFields\n      targetFields\n    }\n  }\n": typeof types.PluginsDocument,
    "\n  mutation CreateDestination($input: DestinationInput!) {\n    createDestination(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.CreateDestinationDocument,
    "\n  mutation UpdateDestination($id: ID!, $input: DestinationInput!) {\n    updateDestination(id: $id, input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationUpdated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.UpdateDestinationDocument,
    "\n  mutation EnableDestination($id: ID!) {\n    enableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationEnabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.EnableDestinationDocument,
    "\n  mutation DisableDestination($id: ID!) {\n    disableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationDisabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.DisableDestinationDocument,
    "\n  mutation SyncNow($id: ID!) {\n    syncDestinationNow(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on SyncQueued {\n        data {\n          id\n          status\n        }\n      }\n    }\n  }\n": typeof types.SyncNowDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testDestinationConnection(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ConnectionTested {\n        data {\n          step\n          ok\n          skipped\n          message\n          durationMs\n        }\n      }\n    }\n  }\n": typeof types.TestConnectionDocument,
    "\n  query Runs($id: ID!, $first: Int) {\n    destination(id: $id) {\n      id\n      runs(first: $first) {\n        nodes {\n          id\n          status\n          trigger\n          queuedTime\n          startedTime\n          finishedTime\n          durationMs\n          rows\n          bytes\n          statements\n          attempts\n          error\n          errorKind\n          windowFrom\n          windowTo\n        }\n      }\n    }\n  }\n": typeof types.RunsDocument,
    "\n  query Backfills($id: ID!) {\n    destination(id: $id) {\n      id\n      backfills(first: 20) {\n        nodes {\n          id\n          status\n          from\n          to\n          sentUntil\n          rowsSent\n          rowsToSend\n          error\n        }\n      }\n    }\n  }\n": typeof types.BackfillsDocument,
    "\n  mutation Backfill($id: ID!, $from: DateTime!) {\n    backfillDestination(id: $id, from: $from) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillStarted {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.BackfillDocument,
    "\n  mutation CancelBackfill($id: ID!) {\n    cancelBackfill(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillCancelled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.CancelBackfillDocument,
    "\n  fragment DefinitionFields on Definition {\n    id\n    name\n    description\n    state\n    version\n    rule\n    modifiedTime\n  }\n": typeof types.DefinitionFieldsFragmentDoc,
    "\n  query Definitions($archived: Boolean) {\n    pageDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n        priority\n      }\n    }\n    elementDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n    eventDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n  }\n": typeof types.DefinitionsDocument,
    "\n    mutation CreatePageDefinition($input: CreatePageDefinitionInput!) {\n      createPageDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.CreatePageDefinitionDocument,
    "\n    mutation CreateElementDefinition($input: CreateElementDefinitionInput!) {\n      createElementDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.CreateElementDefinitionDocument,
    "\n    mutation CreateEventDefinition($input: CreateEventDefinitionInput!) {\n      createEventDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.CreateEventDefinitionDocument,
    "\n    mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) {\n      updatePageDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.UpdatePageDefinitionDocument,
    "\n    mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) {\n      updateElementDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.UpdateElementDefinitionDocument,
    "\n    mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) {\n      updateEventDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.UpdateEventDefinitionDocument,
    "\n    mutation ArchivePageDefinition($id: ID!) {\n      archivePageDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.ArchivePageDefinitionDocument,
    "\n    mutation ArchiveElementDefinition($id: ID!) {\n      archiveElementDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.ArchiveElementDefinitionDocument,
    "\n    mutation ArchiveEventDefinition($id: ID!) {\n      archiveEventDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": typeof types.ArchiveEventDefinitionDocument,
    "\n  mutation ReorderPages($ids: [ID!]!) {\n    reorderPageDefinitions(ids: $ids) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on PageDefinitionsReordered {\n        data {\n          pageDefinitions {\n            id\n          }\n        }\n      }\n    }\n  }\n": typeof types.ReorderPagesDocument,
    "\n  fragment RuleMatchesFields on RuleMatches {\n    window\n    scanned\n    matched\n    events {\n      ...EventFields\n    }\n  }\n": typeof types.RuleMatchesFieldsFragmentDoc,
    "\n    query PageRuleMatches($rule: PageRuleInput!, $first: Int) {\n      pageRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": typeof types.PageRuleMatchesDocument,
    "\n    query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) {\n      elementRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": typeof types.ElementRuleMatchesDocument,
    "\n    query EventRuleMatches($rule: EventRuleInput!, $first: Int) {\n      eventRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": typeof types.EventRuleMatchesDocument,
    "\n  fragment EventFields on Event {\n    eventId\n    eventTime\n    processedTime\n    deviceId\n    sessionId\n    viewId\n    eventType\n    sourceType\n    eventProperties\n    sourceProperties\n  }\n": typeof types.EventFieldsFragmentDoc,
    "\n  query Events($first: Int, $after: String, $filter: EventFilter) {\n    events(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": typeof types.EventsDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 500) {\n      nodes {\n        id\n        name\n        role\n        prefix\n        allowedOrigins\n        createdTime\n        revokedTime\n      }\n    }\n  }\n": typeof types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ApiKeyCreated {\n        data {\n          key\n          apiKey {\n            id\n          }\n        }\n      }\n    }\n  }\n": typeof types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      __typename\n      ...Refused\n      ... on ApiKeyRevoked {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.RevokeApiKeyDocument,
    "\n  query DeletionRequests {\n    deletionRequests(first: 100) {\n      nodes {\n        id\n        subjectKind\n        subject\n        requestedTime\n        requestedBy\n        storeRowsDeleted\n        suppress\n        destinations {\n          destinationId\n          status\n          rowsDeleted\n        }\n      }\n    }\n  }\n": typeof types.DeletionRequestsDocument,
    "\n  mutation RequestDeletion($input: RequestDeletionInput!) {\n    requestDeletion(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DeletionRequested {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.RequestDeletionDocument,
    "\n  query AlertWebhooks {\n    alertWebhooks(first: 10) {\n      nodes {\n        id\n        url\n        createdTime\n        deliveries(first: 20) {\n          nodes {\n            id\n            event\n            status\n            attempts\n            lastStatusCode\n            lastError\n            createdTime\n          }\n        }\n      }\n    }\n  }\n": typeof types.AlertWebhooksDocument,
    "\n  mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) {\n    createAlertWebhook(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on AlertWebhookCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": typeof types.CreateAlertWebhookDocument,
    "\n  mutation DeleteAlertWebhook($id: ID!) {\n    deleteAlertWebhook(id: $id) {\n      __typename\n      ...Refused\n      ... on AlertWebhookDeleted {\n        data\n      }\n    }\n  }\n": typeof types.DeleteAlertWebhookDocument,
};
const documents: Documents = {
    "\n  fragment Refused on AppError {\n    code\n    message\n  }\n": types.RefusedFragmentDoc,
    "\n  fragment RefusedField on ValidationError {\n    field\n  }\n": types.RefusedFieldFragmentDoc,
    "\n  query Me {\n    me {\n      apiKeyId\n      role\n      organization {\n        name\n      }\n    }\n  }\n": types.MeDocument,
    "\n  fragment DestinationSummary on Destination {\n    id\n    name\n    pluginId\n    status\n    enabled\n    lagSeconds\n    lastSuccessTime\n    lastError\n    consecutiveFailures\n    nextRunTime\n  }\n": types.DestinationSummaryFragmentDoc,
    "\n  query Destinations {\n    destinations(first: 100) {\n      nodes {\n        ...DestinationSummary\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.DestinationsDocument,
    "\n  query Destination($id: ID!) {\n    destination(id: $id) {\n      ...DestinationSummary\n      config\n      secretFieldsSet\n      clearedSecrets\n      intervalMinutes\n      eventTypesInclude\n      eventTypesExclude\n      pendingDeletions\n      activeSince\n    }\n  }\n": types.DestinationDocument,
    "\n  query Plugins {\n    destinationPlugins {\n      id\n      displayName\n      description\n      configSchema\n      secretFields\n      targetFields\n    }\n  }\n": types.PluginsDocument,
    "\n  mutation CreateDestination($input: DestinationInput!) {\n    createDestination(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.CreateDestinationDocument,
    "\n  mutation UpdateDestination($id: ID!, $input: DestinationInput!) {\n    updateDestination(id: $id, input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationUpdated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.UpdateDestinationDocument,
    "\n  mutation EnableDestination($id: ID!) {\n    enableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationEnabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.EnableDestinationDocument,
    "\n  mutation DisableDestination($id: ID!) {\n    disableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationDisabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.DisableDestinationDocument,
    "\n  mutation SyncNow($id: ID!) {\n    syncDestinationNow(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on SyncQueued {\n        data {\n          id\n          status\n        }\n      }\n    }\n  }\n": types.SyncNowDocument,
    "\n  mutation TestConnection($id: ID!) {\n    testDestinationConnection(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ConnectionTested {\n        data {\n          step\n          ok\n          skipped\n          message\n          durationMs\n        }\n      }\n    }\n  }\n": types.TestConnectionDocument,
    "\n  query Runs($id: ID!, $first: Int) {\n    destination(id: $id) {\n      id\n      runs(first: $first) {\n        nodes {\n          id\n          status\n          trigger\n          queuedTime\n          startedTime\n          finishedTime\n          durationMs\n          rows\n          bytes\n          statements\n          attempts\n          error\n          errorKind\n          windowFrom\n          windowTo\n        }\n      }\n    }\n  }\n": types.RunsDocument,
    "\n  query Backfills($id: ID!) {\n    destination(id: $id) {\n      id\n      backfills(first: 20) {\n        nodes {\n          id\n          status\n          from\n          to\n          sentUntil\n          rowsSent\n          rowsToSend\n          error\n        }\n      }\n    }\n  }\n": types.BackfillsDocument,
    "\n  mutation Backfill($id: ID!, $from: DateTime!) {\n    backfillDestination(id: $id, from: $from) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillStarted {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.BackfillDocument,
    "\n  mutation CancelBackfill($id: ID!) {\n    cancelBackfill(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillCancelled {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.CancelBackfillDocument,
    "\n  fragment DefinitionFields on Definition {\n    id\n    name\n    description\n    state\n    version\n    rule\n    modifiedTime\n  }\n": types.DefinitionFieldsFragmentDoc,
    "\n  query Definitions($archived: Boolean) {\n    pageDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n        priority\n      }\n    }\n    elementDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n    eventDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n  }\n": types.DefinitionsDocument,
    "\n    mutation CreatePageDefinition($input: CreatePageDefinitionInput!) {\n      createPageDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.CreatePageDefinitionDocument,
    "\n    mutation CreateElementDefinition($input: CreateElementDefinitionInput!) {\n      createElementDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.CreateElementDefinitionDocument,
    "\n    mutation CreateEventDefinition($input: CreateEventDefinitionInput!) {\n      createEventDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.CreateEventDefinitionDocument,
    "\n    mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) {\n      updatePageDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.UpdatePageDefinitionDocument,
    "\n    mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) {\n      updateElementDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.UpdateElementDefinitionDocument,
    "\n    mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) {\n      updateEventDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.UpdateEventDefinitionDocument,
    "\n    mutation ArchivePageDefinition($id: ID!) {\n      archivePageDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.ArchivePageDefinitionDocument,
    "\n    mutation ArchiveElementDefinition($id: ID!) {\n      archiveElementDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.ArchiveElementDefinitionDocument,
    "\n    mutation ArchiveEventDefinition($id: ID!) {\n      archiveEventDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  ": types.ArchiveEventDefinitionDocument,
    "\n  mutation ReorderPages($ids: [ID!]!) {\n    reorderPageDefinitions(ids: $ids) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on PageDefinitionsReordered {\n        data {\n          pageDefinitions {\n            id\n          }\n        }\n      }\n    }\n  }\n": types.ReorderPagesDocument,
    "\n  fragment RuleMatchesFields on RuleMatches {\n    window\n    scanned\n    matched\n    events {\n      ...EventFields\n    }\n  }\n": types.RuleMatchesFieldsFragmentDoc,
    "\n    query PageRuleMatches($rule: PageRuleInput!, $first: Int) {\n      pageRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": types.PageRuleMatchesDocument,
    "\n    query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) {\n      elementRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": types.ElementRuleMatchesDocument,
    "\n    query EventRuleMatches($rule: EventRuleInput!, $first: Int) {\n      eventRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  ": types.EventRuleMatchesDocument,
    "\n  fragment EventFields on Event {\n    eventId\n    eventTime\n    processedTime\n    deviceId\n    sessionId\n    viewId\n    eventType\n    sourceType\n    eventProperties\n    sourceProperties\n  }\n": types.EventFieldsFragmentDoc,
    "\n  query Events($first: Int, $after: String, $filter: EventFilter) {\n    events(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n": types.EventsDocument,
    "\n  query ApiKeys {\n    apiKeys(first: 500) {\n      nodes {\n        id\n        name\n        role\n        prefix\n        allowedOrigins\n        createdTime\n        revokedTime\n      }\n    }\n  }\n": types.ApiKeysDocument,
    "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ApiKeyCreated {\n        data {\n          key\n          apiKey {\n            id\n          }\n        }\n      }\n    }\n  }\n": types.CreateApiKeyDocument,
    "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      __typename\n      ...Refused\n      ... on ApiKeyRevoked {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.RevokeApiKeyDocument,
    "\n  query DeletionRequests {\n    deletionRequests(first: 100) {\n      nodes {\n        id\n        subjectKind\n        subject\n        requestedTime\n        requestedBy\n        storeRowsDeleted\n        suppress\n        destinations {\n          destinationId\n          status\n          rowsDeleted\n        }\n      }\n    }\n  }\n": types.DeletionRequestsDocument,
    "\n  mutation RequestDeletion($input: RequestDeletionInput!) {\n    requestDeletion(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DeletionRequested {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.RequestDeletionDocument,
    "\n  query AlertWebhooks {\n    alertWebhooks(first: 10) {\n      nodes {\n        id\n        url\n        createdTime\n        deliveries(first: 20) {\n          nodes {\n            id\n            event\n            status\n            attempts\n            lastStatusCode\n            lastError\n            createdTime\n          }\n        }\n      }\n    }\n  }\n": types.AlertWebhooksDocument,
    "\n  mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) {\n    createAlertWebhook(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on AlertWebhookCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n": types.CreateAlertWebhookDocument,
    "\n  mutation DeleteAlertWebhook($id: ID!) {\n    deleteAlertWebhook(id: $id) {\n      __typename\n      ...Refused\n      ... on AlertWebhookDeleted {\n        data\n      }\n    }\n  }\n": types.DeleteAlertWebhookDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Refused on AppError {\n    code\n    message\n  }\n"): typeof import('./graphql.ts').RefusedFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RefusedField on ValidationError {\n    field\n  }\n"): typeof import('./graphql.ts').RefusedFieldFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      apiKeyId\n      role\n      organization {\n        name\n      }\n    }\n  }\n"): typeof import('./graphql.ts').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DestinationSummary on Destination {\n    id\n    name\n    pluginId\n    status\n    enabled\n    lagSeconds\n    lastSuccessTime\n    lastError\n    consecutiveFailures\n    nextRunTime\n  }\n"): typeof import('./graphql.ts').DestinationSummaryFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Destinations {\n    destinations(first: 100) {\n      nodes {\n        ...DestinationSummary\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): typeof import('./graphql.ts').DestinationsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Destination($id: ID!) {\n    destination(id: $id) {\n      ...DestinationSummary\n      config\n      secretFieldsSet\n      clearedSecrets\n      intervalMinutes\n      eventTypesInclude\n      eventTypesExclude\n      pendingDeletions\n      activeSince\n    }\n  }\n"): typeof import('./graphql.ts').DestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Plugins {\n    destinationPlugins {\n      id\n      displayName\n      description\n      configSchema\n      secretFields\n      targetFields\n    }\n  }\n"): typeof import('./graphql.ts').PluginsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateDestination($input: DestinationInput!) {\n    createDestination(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').CreateDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateDestination($id: ID!, $input: DestinationInput!) {\n    updateDestination(id: $id, input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DestinationUpdated {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').UpdateDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableDestination($id: ID!) {\n    enableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationEnabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').EnableDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableDestination($id: ID!) {\n    disableDestination(id: $id) {\n      __typename\n      ...Refused\n      ... on DestinationDisabled {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').DisableDestinationDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SyncNow($id: ID!) {\n    syncDestinationNow(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on SyncQueued {\n        data {\n          id\n          status\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').SyncNowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestConnection($id: ID!) {\n    testDestinationConnection(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ConnectionTested {\n        data {\n          step\n          ok\n          skipped\n          message\n          durationMs\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').TestConnectionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Runs($id: ID!, $first: Int) {\n    destination(id: $id) {\n      id\n      runs(first: $first) {\n        nodes {\n          id\n          status\n          trigger\n          queuedTime\n          startedTime\n          finishedTime\n          durationMs\n          rows\n          bytes\n          statements\n          attempts\n          error\n          errorKind\n          windowFrom\n          windowTo\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').RunsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Backfills($id: ID!) {\n    destination(id: $id) {\n      id\n      backfills(first: 20) {\n        nodes {\n          id\n          status\n          from\n          to\n          sentUntil\n          rowsSent\n          rowsToSend\n          error\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').BackfillsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Backfill($id: ID!, $from: DateTime!) {\n    backfillDestination(id: $id, from: $from) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillStarted {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').BackfillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelBackfill($id: ID!) {\n    cancelBackfill(id: $id) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on BackfillCancelled {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').CancelBackfillDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DefinitionFields on Definition {\n    id\n    name\n    description\n    state\n    version\n    rule\n    modifiedTime\n  }\n"): typeof import('./graphql.ts').DefinitionFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Definitions($archived: Boolean) {\n    pageDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n        priority\n      }\n    }\n    elementDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n    eventDefinitions(first: 500, includeArchived: $archived) {\n      nodes {\n        ...DefinitionFields\n      }\n    }\n  }\n"): typeof import('./graphql.ts').DefinitionsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CreatePageDefinition($input: CreatePageDefinitionInput!) {\n      createPageDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').CreatePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CreateElementDefinition($input: CreateElementDefinitionInput!) {\n      createElementDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').CreateElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation CreateEventDefinition($input: CreateEventDefinitionInput!) {\n      createEventDefinition(input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionCreated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').CreateEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation UpdatePageDefinition($id: ID!, $input: UpdatePageDefinitionInput!) {\n      updatePageDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').UpdatePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation UpdateElementDefinition($id: ID!, $input: UpdateElementDefinitionInput!) {\n      updateElementDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').UpdateElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation UpdateEventDefinition($id: ID!, $input: UpdateEventDefinitionInput!) {\n      updateEventDefinition(id: $id, input: $input) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionUpdated {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').UpdateEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation ArchivePageDefinition($id: ID!) {\n      archivePageDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').ArchivePageDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation ArchiveElementDefinition($id: ID!) {\n      archiveElementDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').ArchiveElementDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    mutation ArchiveEventDefinition($id: ID!) {\n      archiveEventDefinition(id: $id) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventDefinitionArchived {\n          data {\n            id\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').ArchiveEventDefinitionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReorderPages($ids: [ID!]!) {\n    reorderPageDefinitions(ids: $ids) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on PageDefinitionsReordered {\n        data {\n          pageDefinitions {\n            id\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').ReorderPagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RuleMatchesFields on RuleMatches {\n    window\n    scanned\n    matched\n    events {\n      ...EventFields\n    }\n  }\n"): typeof import('./graphql.ts').RuleMatchesFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query PageRuleMatches($rule: PageRuleInput!, $first: Int) {\n      pageRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on PageRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').PageRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query ElementRuleMatches($rule: ElementRuleInput!, $first: Int) {\n      elementRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on ElementRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').ElementRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n    query EventRuleMatches($rule: EventRuleInput!, $first: Int) {\n      eventRuleMatches(rule: $rule, first: $first) {\n        __typename\n        ...Refused\n        ...RefusedField\n        ... on EventRuleTried {\n          data {\n            ...RuleMatchesFields\n          }\n        }\n      }\n    }\n  "): typeof import('./graphql.ts').EventRuleMatchesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventFields on Event {\n    eventId\n    eventTime\n    processedTime\n    deviceId\n    sessionId\n    viewId\n    eventType\n    sourceType\n    eventProperties\n    sourceProperties\n  }\n"): typeof import('./graphql.ts').EventFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Events($first: Int, $after: String, $filter: EventFilter) {\n    events(first: $first, after: $after, filter: $filter) {\n      nodes {\n        ...EventFields\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n    }\n  }\n"): typeof import('./graphql.ts').EventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ApiKeys {\n    apiKeys(first: 500) {\n      nodes {\n        id\n        name\n        role\n        prefix\n        allowedOrigins\n        createdTime\n        revokedTime\n      }\n    }\n  }\n"): typeof import('./graphql.ts').ApiKeysDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateApiKey($input: CreateApiKeyInput!) {\n    createApiKey(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on ApiKeyCreated {\n        data {\n          key\n          apiKey {\n            id\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').CreateApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeApiKey($id: ID!) {\n    revokeApiKey(id: $id) {\n      __typename\n      ...Refused\n      ... on ApiKeyRevoked {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').RevokeApiKeyDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeletionRequests {\n    deletionRequests(first: 100) {\n      nodes {\n        id\n        subjectKind\n        subject\n        requestedTime\n        requestedBy\n        storeRowsDeleted\n        suppress\n        destinations {\n          destinationId\n          status\n          rowsDeleted\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').DeletionRequestsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestDeletion($input: RequestDeletionInput!) {\n    requestDeletion(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on DeletionRequested {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').RequestDeletionDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AlertWebhooks {\n    alertWebhooks(first: 10) {\n      nodes {\n        id\n        url\n        createdTime\n        deliveries(first: 20) {\n          nodes {\n            id\n            event\n            status\n            attempts\n            lastStatusCode\n            lastError\n            createdTime\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').AlertWebhooksDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateAlertWebhook($input: CreateAlertWebhookInput!) {\n    createAlertWebhook(input: $input) {\n      __typename\n      ...Refused\n      ...RefusedField\n      ... on AlertWebhookCreated {\n        data {\n          id\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.ts').CreateAlertWebhookDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAlertWebhook($id: ID!) {\n    deleteAlertWebhook(id: $id) {\n      __typename\n      ...Refused\n      ... on AlertWebhookDeleted {\n        data\n      }\n    }\n  }\n"): typeof import('./graphql.ts').DeleteAlertWebhookDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
