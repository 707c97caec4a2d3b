import { claimAnonymousDevices, findAnonymousDevices } from '../../db/queries/anonymous-devices.ts';
import type { Database } from '../../db/client.ts';
import { deviceIdForAnonymousId } from '../../events/ids.ts';

/** Candidates tried for one anonymousId before giving up (each collision has odds of about n/2^63). */
const MAX_ATTEMPTS = 8;
/** Devices remembered in the process; the store has them all. */
const CACHE_SIZE = 100_000;

/**
 * The devices of Segment-shaped `anonymousId`s, and per-device locks for deriving sessions.
 *
 * An anonymousId's device is `deviceIdForAnonymousId(org, id)`, recorded in `anonymous_devices`
 * the first time the id is seen. The table makes it collision-checked: a device already recorded
 * for another id is never given out again (the id takes the next candidate, attempt 1, 2 …), and
 * once recorded an id keeps its device. Recorded pairs never change, so this process caches them.
 */
export function createSegmentDevices(db: Database) {
  const cache = new Map<string, string>();
  const tails = new Map<string, Promise<void>>();

  return {
    /** The device of each anonymousId of the organization, recording the new ones. */
    async devicesOf(orgId: string, anonymousIds: Iterable<string>): Promise<Map<string, string>> {
      const devices = new Map<string, string>();
      let missing: string[] = [];
      for (const id of new Set(anonymousIds)) {
        const cached = cache.get(`${orgId}\u0000${id}`);
        if (cached) devices.set(id, cached);
        else missing.push(id);
      }
      for (let attempt = 0; missing.length > 0; attempt++) {
        for (const [id, device] of await findAnonymousDevices(db, orgId, missing)) devices.set(id, device);
        missing = missing.filter((id) => !devices.has(id));
        if (missing.length === 0) break;
        if (attempt === MAX_ATTEMPTS)
          throw new Error(`no free device for ${missing.length} anonymous id(s) after ${MAX_ATTEMPTS} candidates`);
        const candidates = missing.map((anonymousId) => ({ anonymousId, deviceId: deviceIdForAnonymousId(orgId, anonymousId, attempt) }));
        const claimed = await claimAnonymousDevices(db, orgId, candidates);
        for (const c of candidates) if (claimed.has(c.anonymousId)) devices.set(c.anonymousId, c.deviceId);
        // the others: recorded meanwhile by another request (read again), or a collision (next candidate)
        missing = missing.filter((id) => !devices.has(id));
      }
      if (cache.size > CACHE_SIZE) cache.clear();
      for (const [id, device] of devices) cache.set(`${orgId}\u0000${id}`, device);
      return devices;
    },

    /**
     * Runs `work` holding the lock of each key (organization and device): the sessions of a
     * device are derived from what the store holds, so two requests of one device must not derive
     * them at once. Keys are taken in sorted order, so two requests never wait on each other.
     */
    async withLocks<T>(keys: string[], work: () => Promise<T>): Promise<T> {
      const releases: (() => void)[] = [];
      try {
        for (const key of [...new Set(keys)].sort()) {
          const before = tails.get(key) ?? Promise.resolve();
          let release!: () => void;
          const mine = new Promise<void>((resolve) => (release = resolve));
          const tail = before.then(() => mine);
          tails.set(key, tail);
          releases.push(() => {
            release();
            if (tails.get(key) === tail) tails.delete(key);
          });
          await before;
        }
        return await work();
      } finally {
        for (const release of releases) release();
      }
    },
  };
}
export type SegmentDevices = ReturnType<typeof createSegmentDevices>;
