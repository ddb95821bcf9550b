import { describe, expect, it } from '@jest/globals';
import { isUuidV7, newId } from '../src/lib/uuid.ts';

describe('newId', () => {
  it('returns RFC 9562 version 7 UUIDs', () => {
    const id = newId();
    expect(isUuidV7(id)).toBe(true);
  });

  it('orders ids by creation time', async () => {
    const first = newId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = newId();
    expect(first < second).toBe(true);
  });

  it('carries the creation time in its first 48 bits', () => {
    const before = Date.now();
    const millis = parseInt(newId().replaceAll('-', '').slice(0, 12), 16);
    expect(millis).toBeGreaterThanOrEqual(before);
    expect(millis).toBeLessThanOrEqual(Date.now());
  });
});
