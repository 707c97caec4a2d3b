import { createHash, randomBytes } from 'node:crypto';
import type { Database } from '../db/client.ts';
import { findApiKeyByHash, insertApiKey, type ApiKey } from '../db/queries/api-keys.ts';
import type { ApiKeyRole } from '../db/schema/index.ts';
import { isPublicRole } from './roles.ts';

/** The caller behind a request, resolved from its API key. */
export interface Principal {
  keyId: string;
  orgId: string;
  role: ApiKeyRole;
  allowedOrigins: string[];
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function generateKey(role: ApiKeyRole): string {
  return `${isPublicRole(role) ? 'tc' : 'tk'}_${randomBytes(32).toString('base64url')}`;
}

export async function createApiKey(
  db: Database,
  input: { orgId: string; name: string; role: ApiKeyRole; createdBy: string; allowedOrigins?: string[] },
): Promise<{ key: string; record: ApiKey }> {
  const key = generateKey(input.role);
  const record = await insertApiKey(db, {
    orgId: input.orgId,
    name: input.name,
    role: input.role,
    prefix: key.slice(0, 10),
    keyHash: hashApiKey(key),
    createdBy: input.createdBy,
    allowedOrigins: input.allowedOrigins ?? [],
  });
  return { key, record };
}

/**
 * Resolves keys to principals with a short in-memory cache, because capture authenticates every
 * request. A revocation in this process takes effect at once; other server instances see it
 * within `ttlMs`. Keys that resolve and keys that do not are cached apart, each up to 10,000
 * entries: a flood of made-up keys (anyone can send them) empties only the cache of unknown keys,
 * never the real keys' entries.
 */
export function createKeyResolver(db: Database, ttlMs = 10_000) {
  const known = new Map<string, { principal: Principal; expires: number }>();
  const unknown = new Map<string, number>();
  const remember = <T>(cache: Map<string, T>, keyHash: string, entry: T) => {
    if (cache.size >= 10_000) cache.clear();
    cache.set(keyHash, entry);
  };
  return {
    async resolve(key: string): Promise<Principal | null> {
      const keyHash = hashApiKey(key);
      const now = Date.now();
      const hit = known.get(keyHash);
      if (hit && hit.expires > now) return hit.principal;
      if ((unknown.get(keyHash) ?? 0) > now) return null;
      const row = await findApiKeyByHash(db, keyHash);
      if (!row || row.revokedTime) {
        known.delete(keyHash);
        remember(unknown, keyHash, now + ttlMs);
        return null;
      }
      const principal = { keyId: row.id, orgId: row.orgId, role: row.role, allowedOrigins: row.allowedOrigins };
      unknown.delete(keyHash);
      remember(known, keyHash, { principal, expires: now + ttlMs });
      return principal;
    },
    forget(keyId: string) {
      for (const [hash, entry] of known) if (entry.principal.keyId === keyId) known.delete(hash);
    },
  };
}
export type KeyResolver = ReturnType<typeof createKeyResolver>;

/** A key as Tributary makes them (generateKey): `tc_` or `tk_` and base64url. */
const KEY_SHAPE = /^t[ck]_[A-Za-z0-9_-]+$/;

/**
 * Reads the key from `Authorization: Bearer <key>`, or `Basic <key>` as the v2 server API
 * clients send it, or standard HTTP Basic credentials `Basic base64(<key>:)` as every Segment
 * library sends its write key (the key is the user name; a key as the password, with an empty
 * user name, is read too).
 */
export function keyFromAuthorization(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(Bearer|Basic)\s+(\S+)$/i.exec(header.trim());
  if (!match) return undefined;
  const token = match[2]!;
  if (match[1]!.toLowerCase() === 'bearer' || KEY_SHAPE.test(token)) return token;
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return token;
  const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
  return user !== '' ? user : password;
}
