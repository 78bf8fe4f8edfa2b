import { describe, expect, it } from 'vitest';
import { initialState, reduce } from './state';

const connected = reduce(initialState, { type: 'connection', status: 'online' });

describe('presence', () => {
  it('takes the snapshot sent on connect as who is online', () => {
    const state = reduce(connected, { type: 'presence', online: ['ann', 'bob'], offline: [], snapshot: true });
    expect(state.online).toEqual({ ann: true, bob: true });
  });

  it('applies a batch of changes to the users it lists only', () => {
    let state = reduce(connected, { type: 'presence', online: ['ann', 'bob'], offline: [], snapshot: true });
    state = reduce(state, { type: 'presence', online: ['cid'], offline: ['ann'] });
    expect(state.online).toEqual({ ann: false, bob: true, cid: true });
  });

  it('lets a snapshot replace what was known, so nobody stays online by mistake', () => {
    let state = reduce(connected, { type: 'presence', online: ['ann', 'bob'], offline: [] });
    state = reduce(state, { type: 'presence', online: ['bob'], offline: [], snapshot: true });
    expect(state.online).toEqual({ bob: true });
  });

  it('keeps the same state object when nothing changes', () => {
    const state = reduce(connected, { type: 'presence', online: ['ann'], offline: [], snapshot: true });
    expect(reduce(state, { type: 'presence', online: ['ann'], offline: [] })).toBe(state);
    expect(reduce(state, { type: 'presence', online: ['ann'], offline: [], snapshot: true })).toBe(state);
  });

  it('forgets everyone when the connection drops (the next snapshot says who is back)', () => {
    const state = reduce(connected, { type: 'presence', online: ['ann'], offline: [], snapshot: true });
    expect(reduce(state, { type: 'connection', status: 'offline' }).online).toEqual({});
  });
});
