import type { EventListRow } from '../server/db/queries/events.ts';
import type { DefinitionKind } from '../server/db/schema/index.ts';
import {
  compileDefinitions,
  matchElements,
  matchEvents,
  matchPage,
  type CapturedElement,
  type UrlParts,
} from '../server/definitions/index.ts';

/**
 * "Test this rule" (docs/definitions.md): which stored rows a rule, not yet saved, would match.
 * The rule is compiled and matched by the definitions engine itself, on its own: a page rule is
 * tried on each row's page URL whatever the other page definitions' priorities; a rule naming a
 * page or element definition is checked against the definitions the row was given when it was
 * processed.
 */

/** How many of the organization's newest rows a rule is tried on: one request's work stays bounded. */
export const RULE_TEST_WINDOW = 1000;

const CANDIDATE = 'candidate';

type Json = Record<string, unknown>;
const objectOr = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const stringOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The rows `rule` (validated, as `checkDefinitionRule` returns it) matches, in the order given:
 * the organization's newest rows as `listEvents` reads them (tombstones left out).
 */
export function rowsMatchingRule<Row extends EventListRow>(
  orgId: string,
  kind: DefinitionKind,
  rule: unknown,
  rows: readonly Row[],
): Row[] {
  const compiled = compileDefinitions({
    organizationId: orgId,
    pages: kind === 'page' ? [{ id: CANDIDATE, priority: 0, rule }] : [],
    elements: kind === 'element' ? [{ id: CANDIDATE, rule }] : [],
    events: kind === 'event' ? [{ id: CANDIDATE, rule }] : [],
  });
  return rows.filter((row) => {
    const source = objectOr(row.source_properties);
    const { event_definition_id: _e, additional_event_definition_ids: _a, ...properties } = objectOr(row.event_properties);
    const target = objectOr(properties.target);
    const pageDefinitionId = stringOr(source.page_definition_id);
    if (kind === 'page') {
      const url = source.url;
      return typeof url === 'object' && url !== null && matchPage(compiled, url as UrlParts) === CANDIDATE;
    }
    if (kind === 'element') {
      if (!Array.isArray(row.target_path) || row.target_path.length === 0) return false;
      const path = row.target_path as CapturedElement[];
      return (
        matchElements(compiled, { text: stringOr(target.text) ?? undefined, masked: target.masked === true, path }, pageDefinitionId)
          .elementDefinitionId === CANDIDATE
      );
    }
    const mainElement = stringOr(target.element_definition_id);
    const additional = Array.isArray(target.additional_element_definition_ids)
      ? target.additional_element_definition_ids.filter((id) => typeof id === 'string')
      : [];
    const elementDefinitionIds = mainElement === null ? [] : [mainElement, ...additional];
    return (
      matchEvents(compiled, { eventType: row.event_type ?? '', properties, pageDefinitionId, elementDefinitionIds }).eventDefinitionId ===
      CANDIDATE
    );
  });
}
