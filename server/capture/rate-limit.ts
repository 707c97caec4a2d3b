import { AppError } from '../errors.ts';

/** When a cost is charged: before the write it pays for (refusable), or after it (never refused). */
export type ChargeTime = 'before-write' | 'after-write';

/**
 * Token bucket per key: `ratePerSecond` tokens a second, holding at most twice that. A public
 * capture key can be copied from any web page, so one abuser must not flood the store. One token
 * is one stored row.
 *
 * The bucket may go into debt: a request costing more than the bucket holds passes once the
 * bucket is full and leaves it negative, so any request passes eventually (none is refused
 * forever) while the key's long-run rate stays within the limit (the debt is paid by waiting).
 */
export function createRateLimiter(ratePerSecond: number) {
  const capacity = ratePerSecond * 2;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /**
     * Charges `cost` tokens to `keyId`; returns 0 when charged, else the seconds to wait.
     * - `before-write` (the events of a request, before writing them): charged when the bucket
     *   holds `cost` tokens, or is full (a cost above its size); else nothing is charged.
     * - `after-write` (rows a write made beyond what was charged before it, such as the rows a
     *   late event re-emits): always charged, even into debt; returns 0.
     */
    charge(keyId: string, cost: number, when: ChargeTime = 'before-write', now = Date.now()): number {
      const bucket = buckets.get(keyId) ?? { tokens: capacity, at: now };
      bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * ratePerSecond);
      bucket.at = now;
      buckets.set(keyId, bucket);
      const needed = Math.min(cost, capacity);
      if (when === 'after-write' || bucket.tokens >= needed) {
        bucket.tokens -= cost;
        return 0;
      }
      return Math.max(1, Math.ceil((needed - bucket.tokens) / ratePerSecond));
    },
  };
}
export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * The one rate-limit check of the capture endpoints: charges the rows a request is about to
 * write (at least 1: a request of only rejected events still costs its parsing) or refuses it
 * with `429 RATE_LIMITED` and `Retry-After`.
 */
export function chargeRequest(limiter: RateLimiter, keyId: string, rows: number, now = Date.now()): void {
  const wait = limiter.charge(keyId, Math.max(1, rows), 'before-write', now);
  if (wait > 0) throw new AppError('RATE_LIMITED', 'too many events for this key; retry later', { status: 429, headers: { 'retry-after': String(wait) } });
}

/**
 * Charges what a write rewrote beyond the rows charged before it: each row a late navigate
 * re-emitted is a new row plus the tombstone of its old one. Never refused (the rows are written);
 * the key's next requests wait until the debt is paid.
 */
export function chargeRewrites(limiter: RateLimiter, keyId: string, reemitted: number, now = Date.now()): void {
  if (reemitted > 0) limiter.charge(keyId, 2 * reemitted, 'after-write', now);
}
