// The room list as pure data: ordering by activity, titles for 1:1 rooms, and how live events change it.
import type { Member, Message, Room } from '../types';

/** When a room last had activity: its newest message, or its creation. */
export function activityAt(room: Room): number {
  const at = room.lastMessage?.createdAt ?? room.createdAt;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? 0 : ms;
}

/** Most recent activity first; ties by id so the order is stable. */
export function sortRooms(rooms: readonly Room[]): Room[] {
  return [...rooms].sort((a, b) => activityAt(b) - activityAt(a) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function isDirect(room: Room): boolean {
  return room.kind === 'direct';
}

/** The other person of a 1:1 room (undefined for groups, or while they are unknown). */
export function directPartner(room: Room, myId: string): Member | undefined {
  if (!isDirect(room)) return undefined;
  return room.members.find((m) => m.id !== myId) ?? room.members[0];
}

/** The title to show: the group's title, or the other person's name for a 1:1 room. */
export function roomTitle(room: Room, myId: string, nameOf: (id: string, fallback?: string) => string): string {
  if (isDirect(room)) {
    const partner = directPartner(room, myId);
    return partner ? nameOf(partner.id, partner.displayName) : room.title ?? '';
  }
  return room.title ?? '';
}

/**
 * A stored message reached the room list: it becomes the room's last message when it is newer, and counts
 * as unread when it is someone else's, newer than what the list knew, and I am not looking at the room.
 */
export function applyMessage(room: Room, message: Message, myId: string, viewing: boolean): Room {
  if (message.seq <= room.lastSeq && room.lastMessage && room.lastMessage.seq >= message.seq) return room;
  const isNew = message.seq > room.lastSeq;
  const counts = isNew && message.userId !== myId && !viewing;
  const newer = !room.lastMessage || message.seq >= room.lastMessage.seq;
  return {
    ...room,
    lastSeq: Math.max(room.lastSeq, message.seq),
    lastMessage: newer ? message : room.lastMessage,
    unreadCount: counts ? (room.unreadCount ?? 0) + 1 : room.unreadCount ?? 0,
  };
}

/**
 * The list from GET /api/rooms merged with what live events already told us: the server's view wins for a
 * room unless we have seen newer messages of it than the server had when it answered.
 */
export function mergeRoomList(local: readonly Room[], server: readonly Room[]): Room[] {
  const byId = new Map(local.map((r) => [r.id, r]));
  return server.map((s) => {
    const l = byId.get(s.id);
    if (!l || s.lastSeq >= l.lastSeq) return s;
    return { ...s, lastSeq: l.lastSeq, lastMessage: l.lastMessage, unreadCount: l.unreadCount };
  });
}

/** A member's read position moved (or mine did: then my unread count follows). */
export function applyRead(room: Room, userId: string, seq: number, myId: string, unreadAfter?: number): Room {
  let changed = false;
  const members = room.members.map((m) => {
    if (m.id !== userId || (m.lastReadSeq ?? 0) >= seq) return m;
    changed = true;
    return { ...m, lastReadSeq: seq };
  });
  let unreadCount = room.unreadCount ?? 0;
  if (userId === myId) {
    const next = seq >= room.lastSeq ? 0 : unreadAfter ?? unreadCount;
    if (next !== unreadCount) {
      unreadCount = next;
      changed = true;
    }
  }
  return changed ? { ...room, members, unreadCount } : room;
}
