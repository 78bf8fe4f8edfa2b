// The shapes of the suda HTTP API and Socket.IO events (README.md "The API", docs/realtime.md).

export interface User {
  id: string;
  email?: string;
  displayName: string;
  avatarUrl: string | null;
  createdAt?: string;
}

/** The public part of a user: what rooms, messages and `user` events carry. */
export interface Profile {
  id: string;
  displayName: string;
  avatarUrl: string | null;
}

export interface Member extends Profile {
  role?: string;
  lastReadSeq?: number;
}

export type RoomKind = 'group' | 'direct' | string;

export interface Room {
  id: string;
  title: string | null;
  kind: RoomKind;
  createdAt: string;
  createdBy: string;
  lastSeq: number;
  members: Member[];
  lastMessage?: Message | null;
  unreadCount?: number;
}

export interface Message {
  id: string;
  seq: number;
  roomId: string;
  userId: string;
  message: string;
  createdAt: string;
  clientMsgId?: string | null;
  author?: Profile;
}

export interface HistoryPage {
  messages: Message[];
  hasMore: boolean;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

export interface ReadEvent {
  roomId: string;
  userId: string;
  seq: number;
}

/** Who came online or went offline among the users sharing a room with me, gathered over a short window; on
 * connect, one `snapshot` listing everyone online (replacing what I knew). */
export interface PresenceEvent {
  online: string[];
  offline: string[];
  snapshot?: boolean;
}

export interface MemberEvent {
  roomId: string;
  userId: string;
  action: 'join' | 'leave';
  member?: Member;
}
