import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../server/capture/rate-limit.ts';

describe('createRateLimiter', () => {
  it('charges within the bucket and tells how long to wait beyond it', () => {
    const limiter = createRateLimiter(10); // holds 20
    expect(limiter.charge('k', 15, 'before-write', 0)).toBe(0);
    expect(limiter.charge('k', 10, 'before-write', 0)).toBe(1); // 5 left, 5 more in 0.5 s
    expect(limiter.charge('k', 10, 'before-write', 500)).toBe(0);
    expect(limiter.charge('other', 20, 'before-write', 500)).toBe(0);
  });

  it('lets a cost above the bucket pass once the bucket is full, leaving it in debt', () => {
    const limiter = createRateLimiter(10);
    expect(limiter.charge('k', 5, 'before-write', 0)).toBe(0);
    expect(limiter.charge('k', 50, 'before-write', 0)).toBe(1); // not full yet
    expect(limiter.charge('k', 50, 'before-write', 500)).toBe(0); // full again: passes, 30 in debt
    expect(limiter.charge('k', 1, 'before-write', 500)).toBe(4); // the debt is paid by waiting
    expect(limiter.charge('k', 1, 'before-write', 3_600)).toBe(0);
  });

  it('never refuses after a write, and counts that cost against the next request', () => {
    const limiter = createRateLimiter(10);
    expect(limiter.charge('k', 100, 'after-write', 0)).toBe(0);
    expect(limiter.charge('k', 1, 'before-write', 0)).toBe(9);
    expect(limiter.charge('k', 1, 'before-write', 8_100)).toBe(0);
  });
});
