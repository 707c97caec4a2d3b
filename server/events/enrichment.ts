import type { CapturedTarget } from './captured-event.ts';
import type { UrlParts } from './url.ts';

/**
 * What processing needs from the definitions of one organization, compiled once per change
 * (server/definitions/). Matching is pure: no I/O per event.
 */
export interface Enrichment {
  page(url: UrlParts): string | null;
  elements(
    target: CapturedTarget,
    pageDefinitionId: string | null,
  ): { elementDefinitionId: string | null; additionalElementDefinitionIds: string[] };
  events(input: {
    eventType: string;
    properties: Record<string, unknown>;
    pageDefinitionId: string | null;
    elementDefinitionIds: string[];
  }): { eventDefinitionId: string | null; additionalEventDefinitionIds: string[] };
}

/** Loads the current enrichment of an organization (cached by the definitions module). */
export type EnrichmentSource = (orgId: string) => Promise<Enrichment>;
