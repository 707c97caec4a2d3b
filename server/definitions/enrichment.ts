import type { CapturedTarget } from '../events/captured-event.ts';
import type { Enrichment } from '../events/enrichment.ts';
import type { CompiledDefinitions } from './compile.ts';
import { matchElements, matchEvents, matchPage } from './match.ts';

/** Element matches remembered per compiled version: pages repeat the same few clickable paths. */
const ELEMENT_CACHE_SIZE = 10_000;

/**
 * The enrichment processing calls for one compiled version: the pure match functions, plus a
 * bounded memo of element matches keyed by everything `matchElements` reads (captured path, text
 * and page definition), so a repeated click costs a key and a lookup.
 */
export function createEnrichment(compiled: CompiledDefinitions): Enrichment {
  const noElements = compiled.counts.elements === 0;
  const elementMatches = new Map<string, { elementDefinitionId: string | null; additionalElementDefinitionIds: readonly string[] }>();
  return {
    page: (url) => matchPage(compiled, url),
    elements(target: CapturedTarget, pageDefinitionId) {
      if (noElements) return { elementDefinitionId: null, additionalElementDefinitionIds: [] };
      const key = `${pageDefinitionId ?? ''}\u0000${target.masked ? '' : (target.text ?? '')}\u0000${JSON.stringify(target.path)}`;
      let match = elementMatches.get(key);
      if (match === undefined) {
        match = matchElements(compiled, { text: target.text ?? undefined, masked: target.masked, path: target.path }, pageDefinitionId);
        if (elementMatches.size >= ELEMENT_CACHE_SIZE) elementMatches.clear();
        elementMatches.set(key, match);
      }
      return { elementDefinitionId: match.elementDefinitionId, additionalElementDefinitionIds: [...match.additionalElementDefinitionIds] };
    },
    events(input) {
      const match = matchEvents(compiled, input);
      return { eventDefinitionId: match.eventDefinitionId, additionalEventDefinitionIds: [...match.additionalEventDefinitionIds] };
    },
  };
}
