// The application state: one immutable object changed only by `reduce`, held in a tiny external store that
// React reads with useSyncExternalStore. The realtime client and the components dispatch actions; nothing
// else writes state, so every live event goes through the same pure merge rules (lib/messages, lib/rooms).
import { useSyncExternalStore } from 'react';
import {
  addPending,
  applyHistoryPage,
  countUnread,
  emptyTimeline,
  mergeMessages,
  removePending,
  setPendingStatus,
  type LocalMessage,
  type SendStatus,
  type Timeline,
} from './lib/messages';
import { applyMessage, applyRead, mergeRoomList, sortRooms } from './lib/rooms';
import type { HistoryPage, Member, MemberEvent, Message, Profile, Room, User } from './types';

export type Connection = 'connecting' | 'online' | 'offline';

export interface State {
  me: User | null;
  /** False until the session check at start has answered. */
  ready: boolean;
  /** Most recent activity first. */
  rooms: Room[];
  roomsLoaded: boolean;
  timelines: Record<string, Timeline>;
  /** The freshest profile of everyone we have seen (names and avatars change live). */
  users: Record<string, Profile>;
  online: Record<string, boolean>;
  /** roomId -> userId -> when their typing indicator expires (ms). */
  typing: Record<string, Record<string, number>>;
  connection: Connection;
  /** Whether the socket has connected once in this session (the offline banner waits for that). */
  everConnected: boolean;
  activeRoomId: string | null;
  /** My read position in the active room when I opened it: the "new messages" divider goes after it. */
  openedAt: { roomId: string; readSeq: number } | null;
  /** The page is visible and focused: messages in the active room count as read. */
  attentive: boolean;
}

export const initialState: State = {
  me: null,
  ready: false,
  rooms: [],
  roomsLoaded: false,
  timelines: {},
  users: {},
  online: {},
  typing: {},
  connection: 'connecting',
  everConnected: false,
  activeRoomId: null,
  openedAt: null,
  attentive: true,
};

export type Action =
  | { type: 'ready'; me: User | null }
  | { type: 'me'; me: User }
  | { type: 'logout' }
  | { type: 'rooms'; rooms: Room[] }
  | { type: 'room'; room: Room }
  | { type: 'roomGone'; roomId: string }
  | { type: 'messages'; roomId: string; messages: Message[] }
  | { type: 'history'; roomId: string; page: HistoryPage; before?: number }
  | { type: 'pending'; local: LocalMessage }
  | { type: 'pendingStatus'; roomId: string; clientMsgId: string; status: SendStatus }
  | { type: 'pendingRemove'; roomId: string; clientMsgId: string }
  | { type: 'read'; roomId: string; userId: string; seq: number }
  | { type: 'member'; event: MemberEvent }
  | { type: 'user'; profile: Profile }
  | { type: 'users'; profiles: Profile[] }
  | { type: 'presence'; online: string[]; offline: string[]; snapshot?: boolean }
  | { type: 'typing'; roomId: string; userId: string; until: number }
  | { type: 'typingExpired'; now: number }
  | { type: 'connection'; status: Connection }
  | { type: 'activeRoom'; roomId: string | null }
  | { type: 'attentive'; attentive: boolean };

function profileOf(p: Profile | Member | User): Profile {
  return { id: p.id, displayName: p.displayName, avatarUrl: p.avatarUrl ?? null };
}

function sameProfile(a: Profile | undefined, b: Profile): boolean {
  return !!a && a.displayName === b.displayName && a.avatarUrl === b.avatarUrl;
}

function withUsers(users: Record<string, Profile>, profiles: Iterable<Profile>, overwrite = true) {
  let out = users;
  for (const p of profiles) {
    if (!p?.id) continue;
    const known = out[p.id];
    if (known && (!overwrite || sameProfile(known, p))) continue;
    if (out === users) out = { ...users };
    out[p.id] = profileOf(p);
  }
  return out;
}

function replaceRoom(rooms: Room[], room: Room): Room[] {
  const i = rooms.findIndex((r) => r.id === room.id);
  if (i < 0) return sortRooms([...rooms, room]);
  const next = rooms.slice();
  next[i] = room;
  return sortRooms(next);
}

function updateRoom(state: State, roomId: string, fn: (room: Room) => Room): Room[] {
  const i = state.rooms.findIndex((r) => r.id === roomId);
  if (i < 0) return state.rooms;
  const updated = fn(state.rooms[i]!);
  if (updated === state.rooms[i]) return state.rooms;
  const next = state.rooms.slice();
  next[i] = updated;
  return sortRooms(next);
}

function timelineOf(state: State, roomId: string): Timeline {
  return state.timelines[roomId] ?? emptyTimeline;
}

function setTimeline(state: State, roomId: string, t: Timeline): Record<string, Timeline> {
  return t === state.timelines[roomId] ? state.timelines : { ...state.timelines, [roomId]: t };
}

export function isViewing(state: State, roomId: string): boolean {
  return state.activeRoomId === roomId && state.attentive;
}

export function myReadSeq(room: Room | undefined, myId: string | undefined): number {
  return room?.members.find((m) => m.id === myId)?.lastReadSeq ?? 0;
}

export function reduce(state: State, action: Action): State {
  switch (action.type) {
    case 'ready':
      return { ...initialState, ready: true, me: action.me, attentive: state.attentive,
        users: action.me ? withUsers({}, [action.me]) : {} };
    case 'me':
      return { ...state, me: action.me, users: withUsers(state.users, [action.me]) };
    case 'logout':
      return { ...initialState, ready: true, attentive: state.attentive };
    case 'rooms': {
      const rooms = sortRooms(mergeRoomList(state.rooms, action.rooms));
      const users = withUsers(state.users, action.rooms.flatMap((r) => r.members));
      return withOpenedAt({ ...state, rooms, roomsLoaded: true, users });
    }
    case 'room': {
      const known = state.rooms.find((r) => r.id === action.room.id);
      // A room event or an HTTP answer has the members but may lack the summary the list already has.
      const room: Room = known
        ? {
            ...known,
            ...action.room,
            lastSeq: Math.max(known.lastSeq, action.room.lastSeq ?? 0),
            lastMessage: action.room.lastMessage ?? known.lastMessage,
            unreadCount: action.room.unreadCount ?? known.unreadCount,
          }
        : { ...action.room, unreadCount: action.room.unreadCount ?? 0 };
      return withOpenedAt({ ...state, rooms: replaceRoom(state.rooms, room), users: withUsers(state.users, room.members) });
    }
    case 'roomGone': {
      const { [action.roomId]: _gone, ...timelines } = state.timelines;
      return {
        ...state,
        rooms: state.rooms.filter((r) => r.id !== action.roomId),
        timelines,
        activeRoomId: state.activeRoomId === action.roomId ? null : state.activeRoomId,
      };
    }
    case 'messages': {
      const me = state.me?.id ?? '';
      const t = mergeMessages(timelineOf(state, action.roomId), action.messages);
      const viewing = isViewing(state, action.roomId);
      let rooms = state.rooms;
      for (const m of action.messages) rooms = updateRoomIn(rooms, action.roomId, (r) => applyMessage(r, m, me, viewing));
      const authors = action.messages.map((m) => m.author).filter((a): a is Profile => !!a);
      let typing = state.typing;
      const typers = typing[action.roomId];
      if (typers && action.messages.some((m) => typers[m.userId])) {
        const left = { ...typers };
        for (const m of action.messages) delete left[m.userId];
        typing = { ...typing, [action.roomId]: left };
      }
      return {
        ...state,
        timelines: setTimeline(state, action.roomId, t),
        rooms: rooms === state.rooms ? rooms : sortRooms(rooms),
        users: withUsers(state.users, authors, false),
        typing,
      };
    }
    case 'history': {
      const t = applyHistoryPage(timelineOf(state, action.roomId), action.page, action.before);
      return { ...state, timelines: setTimeline(state, action.roomId, t) };
    }
    case 'pending': {
      const t = addPending(timelineOf(state, action.local.roomId), action.local);
      return { ...state, timelines: setTimeline(state, action.local.roomId, t) };
    }
    case 'pendingStatus': {
      const t = setPendingStatus(timelineOf(state, action.roomId), action.clientMsgId, action.status);
      return { ...state, timelines: setTimeline(state, action.roomId, t) };
    }
    case 'pendingRemove': {
      const t = removePending(timelineOf(state, action.roomId), action.clientMsgId);
      return { ...state, timelines: setTimeline(state, action.roomId, t) };
    }
    case 'read': {
      const me = state.me?.id ?? '';
      const t = timelineOf(state, action.roomId);
      const unreadAfter = action.userId === me && t.loaded ? countUnread(t, me, action.seq) : undefined;
      const rooms = updateRoom(state, action.roomId, (r) => applyRead(r, action.userId, action.seq, me, unreadAfter));
      return rooms === state.rooms ? state : { ...state, rooms };
    }
    case 'member': {
      const { roomId, userId, action: kind, member } = action.event;
      if (kind === 'leave' && userId === state.me?.id) return reduce(state, { type: 'roomGone', roomId });
      const rooms = updateRoom(state, roomId, (r) => {
        if (kind === 'leave') return { ...r, members: r.members.filter((m) => m.id !== userId) };
        if (!member || r.members.some((m) => m.id === userId)) return r;
        return { ...r, members: [...r.members, { lastReadSeq: 0, ...member }] };
      });
      return { ...state, rooms, users: member ? withUsers(state.users, [member]) : state.users };
    }
    case 'user': {
      const p = action.profile;
      const me = state.me && state.me.id === p.id ? { ...state.me, displayName: p.displayName, avatarUrl: p.avatarUrl } : state.me;
      let rooms = state.rooms;
      let changed = false;
      rooms = rooms.map((r) => {
        if (!r.members.some((m) => m.id === p.id && !sameProfile(m, p))) return r;
        changed = true;
        return { ...r, members: r.members.map((m) => (m.id === p.id ? { ...m, displayName: p.displayName, avatarUrl: p.avatarUrl } : m)) };
      });
      return { ...state, me, rooms: changed ? rooms : state.rooms, users: withUsers(state.users, [p]) };
    }
    case 'users':
      return { ...state, users: withUsers(state.users, action.profiles) };
    case 'presence': {
      // A snapshot replaces what was known; a batch changes only the users it lists.
      const online: Record<string, boolean> = action.snapshot ? {} : { ...state.online };
      for (const id of action.online) online[id] = true;
      for (const id of action.offline) online[id] = false;
      const before = Object.keys(state.online);
      const same = before.length === Object.keys(online).length && before.every((id) => online[id] === state.online[id]);
      return same ? state : { ...state, online };
    }
    case 'typing': {
      if (action.userId === state.me?.id) return state;
      const room = { ...(state.typing[action.roomId] ?? {}), [action.userId]: action.until };
      return { ...state, typing: { ...state.typing, [action.roomId]: room } };
    }
    case 'typingExpired': {
      let changed = false;
      const typing: State['typing'] = {};
      for (const [roomId, users] of Object.entries(state.typing)) {
        const left: Record<string, number> = {};
        for (const [userId, until] of Object.entries(users)) {
          if (until > action.now) left[userId] = until;
          else changed = true;
        }
        if (Object.keys(left).length) typing[roomId] = left;
        else if (Object.keys(users).length) changed = true;
      }
      return changed ? { ...state, typing } : state;
    }
    case 'connection':
      if (state.connection === action.status) return state;
      return {
        ...state,
        connection: action.status,
        everConnected: state.everConnected || action.status === 'online',
        // Presence is only known while connected; the server sends it again on connect.
        online: action.status === 'online' ? state.online : {},
        typing: action.status === 'online' ? state.typing : {},
      };
    case 'activeRoom':
      if (state.activeRoomId === action.roomId) return state;
      return withOpenedAt({ ...state, activeRoomId: action.roomId, openedAt: null });
    case 'attentive':
      return state.attentive === action.attentive ? state : { ...state, attentive: action.attentive };
  }
}

/** Remembers my read position in the active room as it was when I opened it (once the room is known). */
function withOpenedAt(state: State): State {
  const roomId = state.activeRoomId;
  if (!roomId || state.openedAt?.roomId === roomId) return state;
  const room = state.rooms.find((r) => r.id === roomId);
  if (!room || !state.me) return state;
  return { ...state, openedAt: { roomId, readSeq: myReadSeq(room, state.me.id) } };
}

function updateRoomIn(rooms: Room[], roomId: string, fn: (room: Room) => Room): Room[] {
  const i = rooms.findIndex((r) => r.id === roomId);
  if (i < 0) return rooms;
  const updated = fn(rooms[i]!);
  if (updated === rooms[i]) return rooms;
  const next = rooms.slice();
  next[i] = updated;
  return next;
}

// --- the store ---

type Listener = () => void;

export interface Store {
  getState(): State;
  dispatch(action: Action): void;
  subscribe(listener: Listener): () => void;
}

export function createStore(initial: State = initialState): Store {
  let state = initial;
  const listeners = new Set<Listener>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reduce(state, action);
      if (next === state) return;
      state = next;
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export const store = createStore();

/** Reads a slice of the state; the component re-renders when the slice changes (by reference). */
export function useAppState<T>(select: (s: State) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
