import type { CapturedElement, CapturedEvent, CapturedTarget } from '../events/captured-event.ts';
import type { EventRowCore, StoredEventRow } from '../db/queries/event-store.ts';
import type { Enrichment } from '../events/enrichment.ts';
import { newEventId } from '../events/ids.ts';
import type { UrlParts } from '../events/url.ts';

/** A processed row as the event store holds it (docs/warehouse-schema.md, plus the store's own columns). */
export interface ProcessedRow extends EventRowCore {
  /**
   * `source_properties` in parts: the event's own (one object shared by the events of a batch),
   * the page and its definition; see `sourcePropertiesOf` and `createSourceJson`.
   */
  source: Record<string, unknown>;
  url: UrlParts | null;
  /** Set when the page context was inherited: the page's title replaces the event's own. */
  inheritedTitle?: string | null;
  pageDefinitionId: string | null;
}

/** The `source_properties` object of a processed row. */
export function sourcePropertiesOf(row: ProcessedRow): Record<string, unknown> {
  return {
    ...row.source,
    ...(row.urlInherited ? { title: row.inheritedTitle ?? null } : {}),
    url: row.url,
    page_definition_id: row.pageDefinitionId,
  };
}

/**
 * The JSON text of rows' `source_properties`, memoised: the events of a batch share their
 * source object, and a page's events share URL, title and page definition, so a flush
 * serialises each distinct value once instead of once per row.
 */
export function createSourceJson(): (row: ProcessedRow) => string {
  const bySource = new WeakMap<object, Map<string, string>>();
  return (row) => {
    let texts = bySource.get(row.source);
    if (!texts) bySource.set(row.source, (texts = new Map()));
    // an inherited title of null and one of '' must not share a text
    const key = `${row.urlInherited ? `t${JSON.stringify(row.inheritedTitle ?? null)}` : 'o'}\u0000${row.url?.full_url ?? ''}\u0000${row.pageDefinitionId ?? ''}`;
    let text = texts.get(key);
    if (text === undefined) texts.set(key, (text = JSON.stringify(sourcePropertiesOf(row))));
    return text;
  };
}

/** `html > body > form#signup-form > button#signup.btn.primary` from the captured ancestry. */
export function rawSelector(path: CapturedElement[]): string {
  let selector = '';
  for (let i = path.length - 1; i >= 0; i--) {
    const el = path[i]!;
    selector += i === path.length - 1 ? el.tag : ` > ${el.tag}`;
    if (el.id) selector += `#${el.id}`;
    if (el.classes) for (const c of el.classes) selector += `.${c}`;
  }
  return selector;
}

/**
 * Builds the warehouse row of one event in its page context, enriched with the definitions
 * active now (forward-only: rows processed earlier keep what they had).
 */
export function buildRow(
  event: CapturedEvent,
  /** The event's page: its own URL, or (inherited) the view's latest navigate's URL and title. */
  page: { url: UrlParts | null; inherited: boolean; title?: string | null },
  enrichment: Enrichment,
  pageDefinitionOf: (url: UrlParts) => string | null,
): ProcessedRow {
  const pageDefinitionId = page.url ? pageDefinitionOf(page.url) : null;
  const eventProperties: Record<string, unknown> = { ...event.properties };
  let elementIds: string[] = [];
  if (event.target) {
    const match = enrichment.elements(event.target, pageDefinitionId);
    elementIds = match.elementDefinitionId ? [match.elementDefinitionId, ...match.additionalElementDefinitionIds] : [];
    eventProperties.target = {
      text: event.target.text,
      masked: event.target.masked,
      raw_selector: rawSelector(event.target.path),
      element_properties: event.target.element_properties,
      element_definition_id: match.elementDefinitionId,
      additional_element_definition_ids: match.additionalElementDefinitionIds,
    };
  }
  const eventMatch = enrichment.events({
    eventType: event.eventType,
    // With `target`, so event rules can test `target.text` (docs/definitions.md).
    properties: eventProperties,
    pageDefinitionId,
    elementDefinitionIds: elementIds,
  });
  eventProperties.event_definition_id = eventMatch.eventDefinitionId;
  eventProperties.additional_event_definition_ids = eventMatch.additionalEventDefinitionIds;
  return {
    eventId: newEventId(),
    orgId: event.orgId,
    dedupKey: event.dedupKey,
    seq: event.seq,
    deviceId: event.deviceId,
    sessionId: event.sessionId,
    viewId: event.viewId,
    eventTimeMicros: event.eventTimeMicros,
    capturedTime: event.capturedTime,
    eventType: event.eventType,
    eventProperties,
    sourceType: event.sourceType,
    source: event.source,
    url: page.url,
    inheritedTitle: page.inherited ? (page.title ?? null) : undefined,
    pageDefinitionId,
    urlInherited: page.inherited,
    targetPath: event.target?.path ?? null,
  };
}

/** Turns a stored row back into the captured event it was built from, to process it again. */
export function capturedFromStored(row: StoredEventRow): CapturedEvent {
  const { event_definition_id: _e, additional_event_definition_ids: _a, target, ...properties } = row.eventProperties;
  const { url, page_definition_id: _p, title, ...source } = row.sourceProperties;
  // an inherited title belongs to the page context, which re-processing recomputes
  if (!row.urlInherited) source.title = title;
  const storedTarget = target as Partial<CapturedTarget> | undefined;
  return {
    orgId: row.orgId,
    dedupKey: row.dedupKey,
    seq: row.seq,
    deviceId: row.deviceId,
    sessionId: row.sessionId,
    viewId: row.viewId,
    eventTimeMicros: row.eventTimeMicros,
    capturedTime: row.capturedTime,
    eventType: row.eventType,
    properties,
    url: row.urlInherited ? null : ((url as UrlParts | null) ?? null),
    target:
      storedTarget && row.targetPath
        ? {
            text: storedTarget.text ?? null,
            masked: storedTarget.masked ?? false,
            path: row.targetPath,
            element_properties: storedTarget.element_properties ?? {},
          }
        : null,
    sourceType: row.sourceType,
    source,
  };
}
