import { describe, expect, it } from 'vitest';
import { newClientMsgId } from './ids';

describe('newClientMsgId', () => {
  it('is a version 7 UUID that the server accepts (printable ASCII, at most 100 characters)', () => {
    const id = newClientMsgId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('carries the time in its first 48 bits', () => {
    const now = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = newClientMsgId(now);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts by time, and two ids of the same millisecond differ', () => {
    const earlier = newClientMsgId(1_700_000_000_000);
    const later = newClientMsgId(1_700_000_000_001);
    expect(earlier < later).toBe(true);
    expect(newClientMsgId(1_700_000_000_000)).not.toBe(newClientMsgId(1_700_000_000_000));
  });
});
