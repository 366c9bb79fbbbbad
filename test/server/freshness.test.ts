import { describe, expect, it } from 'vitest';
import { isStale, pollIntervalMs } from '../../server/freshness.js';

describe('pollIntervalMs', () => {
  it('is the distance between the next two runs of a five-field pattern', () => {
    expect(pollIntervalMs('*/5 * * * *', new Date('2024-05-01T10:02:00Z'))).toBe(5 * 60_000);
    expect(pollIntervalMs('0 * * * *', new Date('2024-05-01T10:02:00Z'))).toBe(60 * 60_000);
  });

  it('reads six-field patterns with seconds', () => {
    expect(pollIntervalMs('*/30 * * * * *', new Date('2024-05-01T10:02:00Z'))).toBe(30_000);
  });
});

describe('isStale', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const interval = 5 * 60_000;

  it('is stale when the tenant never synced', () => {
    expect(isStale(null, now, interval)).toBe(true);
  });

  it('is fresh up to two intervals and stale after', () => {
    expect(isStale(new Date(now.getTime() - 2 * interval), now, interval)).toBe(false);
    expect(isStale(new Date(now.getTime() - 2 * interval - 1), now, interval)).toBe(true);
    expect(isStale(now.getTime() - 60_000, now, interval)).toBe(false);
  });
});
