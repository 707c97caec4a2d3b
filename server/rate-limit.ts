import { AppError } from './errors.ts';

/**
 * What a charge pays for:
 * - `rows`: for capture, the rows a request is about to write, before writing them (at least 1: a
 *   request of only rejected events still costs its parsing); for GraphQL, 1 per request. Charged when the bucket holds that many
 *   tokens, or is full (a cost above its size); else refused with `429 RATE_LIMITED` and
 *   `Retry-After`, and nothing is charged.
 * - `reemitted`: rows a write rewrote beyond what was charged before it (each row a late navigate
 *   re-emitted is a new row plus the tombstone of its old one). Never refused (the rows are
 *   written), even into debt: the key's next requests wait until the debt is paid.
 */
export type Charge = { rows: number } | { reemitted: number };

/**
 * Token bucket per key: `ratePerSecond` tokens a second, holding at most twice that. A public
 * capture key can be copied from any web page, so one abuser must not flood the store (one token
 * is one stored row); a leaked or runaway GraphQL key must not take the server from the others
 * (one token is one request). `noun` names what is limited in the refusal.
 *
 * The bucket may go into debt: a request costing more than the bucket holds passes once the
 * bucket is full and leaves it negative, so any request passes eventually (none is refused
 * forever) while the key's long-run rate stays within the limit (the debt is paid by waiting).
 */
export function createRateLimiter(ratePerSecond: number, noun: 'events' | 'requests' = 'events') {
  const capacity = ratePerSecond * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** The one rate-limit charge of a request (see `Charge`). */
    charge(keyId: string, charge: Charge, now = Date.now()): void {
      const cost = 'rows' in charge ? Math.max(1, charge.rows) : 2 * charge.reemitted;
      if (cost === 0) return;
      const bucket = buckets.get(keyId) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      buckets.set(keyId, bucket);
      const needed = Math.min(cost, capacity);
      if ('reemitted' in charge || bucket.tokens >= needed) {
        bucket.tokens -= cost;
        return;
      }
      const wait = Math.max(1, Math.ceil((needed - bucket.tokens) / ratePerSecond));
      throw new AppError('RATE_LIMITED', `too many ${noun} for this key; retry later`, {
        status: 429,
        headers: { 'retry-after': String(wait) },
      });
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;
