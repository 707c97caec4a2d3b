/**
 * In-process notice that an organization's definitions changed, so this process's enrichment
 * compiles them again for the next flush instead of waiting for its periodic version check (other
 * server instances rely on that check). One instance per app, made in the composition root.
 */
export interface DefinitionChanges {
  /** Calls `listener` after each committed definition write announced here; returns the unsubscribe. */
  subscribe(listener: (orgId: string) => void): () => void;
  /** Announces a committed definition write of `orgId`. */
  announce(orgId: string): void;
}

export function createDefinitionChanges(): DefinitionChanges {
  const listeners = new Set<(orgId: string) => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    announce(orgId) {
      for (const listener of listeners) listener(orgId);
    },
  };
}
