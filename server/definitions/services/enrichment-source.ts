import type { Database } from '../../db/client.ts';
import type { Logger } from '../../log.ts';
import { definitionsVersion, listActiveDefinitions } from '../../db/queries/definitions.ts';
import type { Enrichment, EnrichmentSource } from '../../events/enrichment.ts';
import { compileDefinitions } from '../compile.ts';
import { createEnrichment } from '../enrichment.ts';
import type { DefinitionChanges } from './changes.ts';

/**
 * Enrichment from the definitions in the store, compiled once per change.
 *
 * Each organization's compiled definitions are cached with the organization's definitions
 * version. A write through this process's API recompiles before the next flush; otherwise the
 * version is re-checked (one primary-key read) at most every `recheckMs`, so a change made through
 * another server instance reaches this one's processing within `recheckMs` (1 s by default) plus
 * the flush already running. Forward-only by construction: a flush uses the definitions it got
 * when it started, and rows written earlier are never touched.
 */
export function createDefinitionsEnrichmentSource(
  { db, log, changes }: { db: Database; log: Logger; changes: DefinitionChanges },
  options: { recheckMs?: number; now?: () => number } = {},
): EnrichmentSource {
  const recheckMs = options.recheckMs ?? 1000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { version: number; enrichment: Enrichment; checkedAt: number; generation: number }>();
  const loading = new Map<string, Promise<Enrichment>>();
  // Bumped by local writes: an entry of an older generation is checked again before use.
  const generations = new Map<string, number>();
  changes.subscribe((orgId) => generations.set(orgId, (generations.get(orgId) ?? 0) + 1));

  async function load(orgId: string): Promise<Enrichment> {
    const generation = generations.get(orgId) ?? 0;
    const checkedAt = now();
    // The version is read before the definitions: a write committed in between only causes one
    // more compile at the next check, never a stale entry marked current.
    const version = await definitionsVersion(db, orgId);
    const cached = cache.get(orgId);
    if (cached && cached.version === version) {
      cache.set(orgId, { ...cached, checkedAt, generation });
      return cached.enrichment;
    }
    const rows = version === 0 ? [] : await listActiveDefinitions(db, orgId);
    const compiled = compileDefinitions({
      organizationId: orgId,
      pages: rows.filter((r) => r.kind === 'page').map((r) => ({ id: r.id, priority: r.priority ?? 0, rule: r.rule })),
      elements: rows.filter((r) => r.kind === 'element').map((r) => ({ id: r.id, rule: r.rule })),
      events: rows.filter((r) => r.kind === 'event').map((r) => ({ id: r.id, createdTime: r.createdTime, rule: r.rule })),
    });
    for (const skipped of compiled.skipped) {
      log.warn(
        { definition: skipped.id, kind: skipped.kind, org: orgId, problems: skipped.errors.map((e) => e.message) },
        'definition skipped: it no longer compiles',
      );
    }
    const enrichment = createEnrichment(compiled);
    cache.set(orgId, { version, enrichment, checkedAt, generation });
    return enrichment;
  }

  return (orgId) => {
    const cached = cache.get(orgId);
    if (cached && cached.generation === (generations.get(orgId) ?? 0) && now() - cached.checkedAt < recheckMs) {
      return Promise.resolve(cached.enrichment);
    }
    let pending = loading.get(orgId);
    if (!pending) {
      pending = load(orgId).finally(() => loading.delete(orgId));
      loading.set(orgId, pending);
    }
    return pending;
  };
}
