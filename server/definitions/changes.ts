import type { Database } from '../db/client.ts';

/**
 * In-process notice that an organization's definitions changed, so this process's enrichment
 * compiles them again for the next flush instead of waiting for its periodic version check (other
 * server instances rely on that check). Keyed by the database handle the app was built on.
 */
const listeners = new WeakMap<Database, Set<(orgId: string) => void>>();

/** Calls `listener` after each committed definition write of this process on `db`; returns the unsubscribe. */
export function onDefinitionsChanged(db: Database, listener: (orgId: string) => void): () => void {
  let set = listeners.get(db);
  if (!set) listeners.set(db, (set = new Set()));
  set.add(listener);
  return () => set.delete(listener);
}

/** Announces a committed definition write of `orgId`. */
export function definitionsChanged(db: Database, orgId: string): void {
  for (const listener of listeners.get(db) ?? []) listener(orgId);
}
