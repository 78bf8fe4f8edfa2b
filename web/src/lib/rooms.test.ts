import { describe, expect, it } from 'vitest';
import type { Message, Room } from '../types';
import { applyMessage, applyRead, directPartner, mergeRoomList, roomTitle, sortRooms } from './rooms';

const room = (id: string, extra: Partial<Room> = {}): Room => ({
  id,
  title: `room ${id}`,
  kind: 'group',
  createdAt: '2026-11-01T00:00:00.000Z',
  createdBy: 'me',
  lastSeq: 0,
  members: [
    { id: 'me', displayName: 'Me', avatarUrl: null, lastReadSeq: 0 },
    { id: 'you', displayName: 'You', avatarUrl: null, lastReadSeq: 0 },
  ],
  lastMessage: null,
  unreadCount: 0,
  ...extra,
});
const message = (seq: number, userId: string, at: string): Message => ({
  id: `m${seq}`, seq, roomId: 'a', userId, message: 'hi', createdAt: at, clientMsgId: null,
});

describe('sortRooms', () => {
  it('puts the most recent activity first, new empty rooms by creation time', () => {
    const rooms = [
      room('old', { lastMessage: message(1, 'you', '2026-11-02T00:00:00.000Z'), lastSeq: 1 }),
      room('new', { lastMessage: message(1, 'you', '2026-11-05T00:00:00.000Z'), lastSeq: 1 }),
      room('empty', { createdAt: '2026-11-03T00:00:00.000Z' }),
    ];
    expect(sortRooms(rooms).map((r) => r.id)).toEqual(['new', 'empty', 'old']);
  });
});

describe('titles', () => {
  it('a 1:1 room is named after the other person', () => {
    const dm = room('d', { kind: 'direct', title: '' });
    expect(directPartner(dm, 'me')?.id).toBe('you');
    expect(roomTitle(dm, 'me', (_id, fallback) => fallback ?? '?')).toBe('You');
    expect(roomTitle(dm, 'me', (id) => (id === 'you' ? 'Renamed' : '?'))).toBe('Renamed');
    expect(roomTitle(room('g'), 'me', () => '?')).toBe('room g');
  });
});

describe('applyMessage', () => {
  it('counts someone else\'s new message as unread unless I am viewing the room', () => {
    const r = room('a');
    const m = message(1, 'you', '2026-11-25T00:00:00.000Z');
    expect(applyMessage(r, m, 'me', false)).toMatchObject({ lastSeq: 1, unreadCount: 1, lastMessage: m });
    expect(applyMessage(r, m, 'me', true)).toMatchObject({ lastSeq: 1, unreadCount: 0 });
    expect(applyMessage(r, message(1, 'me', m.createdAt), 'me', false).unreadCount).toBe(0);
  });

  it('does not count a message twice (a replay of what the list already knew)', () => {
    const m = message(3, 'you', '2026-11-25T00:00:00.000Z');
    const r = room('a', { lastSeq: 3, lastMessage: m, unreadCount: 1 });
    expect(applyMessage(r, m, 'me', false)).toBe(r);
  });
});

describe('mergeRoomList', () => {
  it('keeps live updates newer than the server snapshot', () => {
    const live = room('a', { lastSeq: 5, unreadCount: 2 });
    const snapshot = room('a', { lastSeq: 4, unreadCount: 1 });
    expect(mergeRoomList([live], [snapshot])[0]).toMatchObject({ lastSeq: 5, unreadCount: 2 });
    const fresher = room('a', { lastSeq: 6, unreadCount: 3 });
    expect(mergeRoomList([live], [fresher])[0]).toMatchObject({ lastSeq: 6, unreadCount: 3 });
  });
});

describe('applyRead', () => {
  it('moves a member\'s read position forward only', () => {
    const r = applyRead(room('a', { lastSeq: 9 }), 'you', 7, 'me');
    expect(r.members.find((m) => m.id === 'you')?.lastReadSeq).toBe(7);
    expect(applyRead(r, 'you', 3, 'me')).toBe(r);
  });

  it('clears my unread count when I read up to the newest message', () => {
    const r = applyRead(room('a', { lastSeq: 9, unreadCount: 4 }), 'me', 9, 'me');
    expect(r.unreadCount).toBe(0);
  });
});
