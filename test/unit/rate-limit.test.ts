import { describe, expect, it } from 'vitest';
import { createRateLimiter, type Charge, type RateLimiter } from '../../server/rate-limit.ts';
import { AppError } from '../../server/errors.ts';

/** The seconds a refused charge asks to wait (its Retry-After); 0 when charged. */
function waitOf(limiter: RateLimiter, keyId: string, charge: Charge, now: number): number {
  try {
    limiter.charge(keyId, charge, now);
    return 0;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'RATE_LIMITED') throw error;
    return Number(error.headers['retry-after']);
  }
}

describe('createRateLimiter', () => {
  it('charges within the bucket and tells how long to wait beyond it', () => {
    const limiter = createRateLimiter(10); // holds 20
    expect(waitOf(limiter, 'k', { rows: 15 }, 0)).toBe(0);
    expect(waitOf(limiter, 'k', { rows: 10 }, 0)).toBe(1); // 5 left, 5 more in 0.5 s
    expect(waitOf(limiter, 'k', { rows: 10 }, 500)).toBe(0);
    expect(waitOf(limiter, 'other', { rows: 20 }, 500)).toBe(0);
  });

  it('lets a cost above the bucket pass once the bucket is full, leaving it in debt', () => {
    const limiter = createRateLimiter(10);
    expect(waitOf(limiter, 'k', { rows: 5 }, 0)).toBe(0);
    expect(waitOf(limiter, 'k', { rows: 50 }, 0)).toBe(1); // not full yet
    expect(waitOf(limiter, 'k', { rows: 50 }, 500)).toBe(0); // full again: passes, 30 in debt
    expect(waitOf(limiter, 'k', { rows: 1 }, 500)).toBe(4); // the debt is paid by waiting
    expect(waitOf(limiter, 'k', { rows: 1 }, 3_600)).toBe(0);
  });

  it('never refuses after a write, and counts that cost against the next request', () => {
    const limiter = createRateLimiter(10);
    expect(waitOf(limiter, 'k', { reemitted: 50 }, 0)).toBe(0);
    expect(waitOf(limiter, 'k', { rows: 1 }, 0)).toBe(9);
    expect(waitOf(limiter, 'k', { rows: 1 }, 8_100)).toBe(0);
  });
});
