// The chat client: one Socket.IO connection per tab and every action of the app. Live events and HTTP
// answers all go through store.dispatch, so the same merge rules apply to a message whether it came as a
// live event, an ack, a history page or a replay after reconnecting (docs/realtime.md).
import { io, type Socket } from 'socket.io-client';
import { api, ApiError, setUnauthorizedHandler } from './api';
import { newClientMsgId } from './lib/ids';
import { findGaps, gapRequest, newestSeq, type LocalMessage } from './lib/messages';
import { isViewing, myReadSeq, store } from './state';
import type { HistoryPage, MemberEvent, Message, PresenceEvent, Profile, ReadEvent, Room, User } from './types';

const ackTimeoutMs = 10_000;
const typingSendEveryMs = 2_500;
const typingShowForMs = 5_000;
const pageSize = 50;

type Ack<T> = T | { error: { code: string; message: string } };

function isError<T>(ack: Ack<T>): ack is { error: { code: string; message: string } } {
  return !!ack && typeof ack === 'object' && 'error' in ack && !!(ack as { error?: unknown }).error;
}

class ChatClient {
  private socket: Socket | null = null;
  private loadingOlder = new Set<string>();
  private loadingNewest = new Set<string>();
  private gapsTried = new Set<string>();
  private lastTypingSent = new Map<string, number>();
  private readInFlight = new Map<string, number>();
  private sendTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingTimer: ReturnType<typeof setInterval> | null = null;
  private connectedOnce = false;
  private stopped = true;

  constructor() {
    setUnauthorizedHandler(() => this.sessionEnded());
    if (typeof window !== 'undefined') {
      const attention = () =>
        this.setAttentive(document.visibilityState === 'visible' && document.hasFocus());
      window.addEventListener('focus', attention);
      window.addEventListener('blur', attention);
      document.addEventListener('visibilitychange', attention);
      // The browser knows about a lost network before the socket's heartbeat does.
      window.addEventListener('offline', () => {
        if (this.socket && !this.stopped) {
          this.socket.disconnect();
          store.dispatch({ type: 'connection', status: 'offline' });
        }
      });
      window.addEventListener('online', () => {
        if (this.socket && !this.stopped && !this.socket.connected) {
          store.dispatch({ type: 'connection', status: 'connecting' });
          this.socket.connect();
        }
      });
    }
  }

  // --- session ---

  /** At page load: is there a session (the cookie survives reloads)? */
  async bootstrap() {
    try {
      const me = await api.me();
      store.dispatch({ type: 'ready', me });
      void this.start();
    } catch (err) {
      store.dispatch({ type: 'ready', me: null });
      if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 0)) console.error(err);
    }
  }

  async logIn(email: string, password: string) {
    const { user } = await api.logIn(email, password);
    store.dispatch({ type: 'ready', me: user });
    void this.start();
  }

  async signUp(email: string, password: string) {
    await api.signUp(email, password);
    await this.logIn(email, password);
  }

  async logOut() {
    try {
      await api.logOut();
    } finally {
      this.stop();
      store.dispatch({ type: 'logout' });
      history.replaceState(null, '', '/');
    }
  }

  private sessionEnded() {
    if (!store.getState().me) return;
    this.stop();
    store.dispatch({ type: 'logout' });
  }

  private async start() {
    this.stop();
    this.stopped = false;
    this.setAttentive(document.visibilityState === 'visible' && document.hasFocus());
    try {
      await this.refreshRooms();
    } catch (err) {
      console.error('loading rooms', err);
    }
    if (this.stopped) return;
    this.connect();
    this.typingTimer = setInterval(() => {
      if (Object.keys(store.getState().typing).length) store.dispatch({ type: 'typingExpired', now: Date.now() });
      // Back from an "offline" event, or the reconnection gave up: connect again once the network is there.
      const socket = this.socket;
      if (socket && !socket.connected && !socket.active && navigator.onLine) {
        store.dispatch({ type: 'connection', status: 'connecting' });
        socket.connect();
      }
    }, 1000);
  }

  private stop() {
    this.stopped = true;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.connectedOnce = false;
    if (this.typingTimer) clearInterval(this.typingTimer);
    this.typingTimer = null;
    for (const t of this.sendTimers.values()) clearTimeout(t);
    this.sendTimers.clear();
    this.loadingOlder.clear();
    this.loadingNewest.clear();
    this.gapsTried.clear();
  }

  async refreshRooms() {
    const { rooms } = await api.rooms();
    store.dispatch({ type: 'rooms', rooms });
  }

  // --- the socket ---

  /** Per room, the last seq this tab has, so that the server replays what we missed. */
  private lastSeqs(): Record<string, number> {
    const state = store.getState();
    const out: Record<string, number> = {};
    for (const room of state.rooms) {
      const t = state.timelines[room.id];
      const newest = t?.loaded ? newestSeq(t) : undefined;
      out[room.id] = newest !== undefined ? newest : room.lastSeq;
    }
    return out;
  }

  private connect() {
    const socket = io({
      path: '/socket.io/',
      withCredentials: true,
      // Called at every (re)connection, so the replay starts from what we have now.
      auth: (cb) => cb({ lastSeqs: this.lastSeqs() }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    this.socket = socket;
    store.dispatch({ type: 'connection', status: 'connecting' });

    socket.on('connect', () => {
      store.dispatch({ type: 'connection', status: 'online' });
      const again = this.connectedOnce;
      this.connectedOnce = true;
      // Rooms created or joined while we were away are not part of the replay: fetch the list again.
      if (again) void this.refreshRooms().catch(() => undefined);
      this.flushOutbox();
      const active = store.getState().activeRoomId;
      if (active) this.markRead(active);
    });
    socket.on('disconnect', () => {
      if (!this.stopped) store.dispatch({ type: 'connection', status: 'offline' });
    });
    socket.on('connect_error', (err) => {
      if (/unauthori[sz]ed/i.test(err.message)) {
        // The session ended (logged out elsewhere, expired): back to the login screen.
        void api.me().catch(() => this.sessionEnded());
        return;
      }
      if (!this.stopped) store.dispatch({ type: 'connection', status: 'offline' });
    });

    socket.on('message', (m: Message) => this.onMessages(m.roomId, [m]));
    socket.on('room', (room: Room) => store.dispatch({ type: 'room', room }));
    socket.on('member', (event: MemberEvent) => {
      store.dispatch({ type: 'member', event });
      if (event.action === 'join' && event.userId === store.getState().me?.id) void this.refreshRoom(event.roomId);
    });
    socket.on('typing', ({ roomId, userId }: { roomId: string; userId: string }) =>
      store.dispatch({ type: 'typing', roomId, userId, until: Date.now() + typingShowForMs }),
    );
    socket.on('read', ({ roomId, userId, seq }: ReadEvent) => store.dispatch({ type: 'read', roomId, userId, seq }));
    socket.on('presence', ({ online, offline, snapshot }: PresenceEvent) =>
      store.dispatch({ type: 'presence', online: online ?? [], offline: offline ?? [], snapshot: snapshot === true }),
    );
    socket.on('user', (profile: Profile) => store.dispatch({ type: 'user', profile }));
    socket.on('synced', () => {
      // The replay is complete: anything still missing inside a loaded timeline is a gap to fetch.
      for (const roomId of Object.keys(store.getState().timelines)) void this.fillGaps(roomId);
    });
  }

  private onMessages(roomId: string, messages: Message[]) {
    store.dispatch({ type: 'messages', roomId, messages });
    const state = store.getState();
    if (isViewing(state, roomId)) this.markRead(roomId);
    if (state.timelines[roomId]?.loaded && findGaps(state.timelines[roomId]!).length) void this.fillGaps(roomId);
  }

  private async refreshRoom(roomId: string) {
    try {
      store.dispatch({ type: 'room', room: await api.room(roomId) });
    } catch {
      // Not a member any more, or offline: the next list refresh settles it.
    }
  }

  private async history(roomId: string, before?: number, limit = pageSize): Promise<HistoryPage> {
    const socket = this.socket;
    if (socket?.connected) {
      try {
        const ack: Ack<HistoryPage> = await socket
          .timeout(ackTimeoutMs)
          .emitWithAck('history', before === undefined ? { roomId, limit } : { roomId, before, limit });
        if (isError(ack)) throw new ApiError(400, ack.error.code, ack.error.message);
        return ack;
      } catch (err) {
        if (err instanceof ApiError) throw err;
        // A timeout: try the same page over HTTP.
      }
    }
    return api.history(roomId, before, limit);
  }

  // --- rooms and history ---

  /** The newest page of a room, once per room and session (live events keep it current afterwards). */
  async loadNewest(roomId: string) {
    const t = store.getState().timelines[roomId];
    if (t?.loaded || this.loadingNewest.has(roomId)) return;
    this.loadingNewest.add(roomId);
    try {
      const page = await this.history(roomId);
      this.acceptPage(roomId, page);
      if (isViewing(store.getState(), roomId)) this.markRead(roomId);
    } finally {
      this.loadingNewest.delete(roomId);
    }
  }

  /** The page before the oldest message we have; resolves when it is merged. */
  async loadOlder(roomId: string) {
    const t = store.getState().timelines[roomId];
    if (!t?.loaded || !t.hasOlder || this.loadingOlder.has(roomId)) return;
    const before = t.messages[0]?.seq;
    if (before === undefined) return;
    this.loadingOlder.add(roomId);
    try {
      this.acceptPage(roomId, await this.history(roomId, before), before);
    } finally {
      this.loadingOlder.delete(roomId);
    }
  }

  isLoadingOlder(roomId: string) {
    return this.loadingOlder.has(roomId);
  }

  private acceptPage(roomId: string, page: HistoryPage, before?: number) {
    if (this.stopped) return;
    store.dispatch({ type: 'history', roomId, page, before });
    const authors = page.messages.map((m) => m.author).filter((a): a is Profile => !!a);
    if (authors.length) store.dispatch({ type: 'users', profiles: authors });
  }

  /** Fetches the seqs missing inside a loaded timeline, and its tail if the room list knows newer ones. */
  async fillGaps(roomId: string) {
    for (let round = 0; round < 20; round++) {
      const state = store.getState();
      const t = state.timelines[roomId];
      if (!t?.loaded) return;
      const gaps = findGaps(t);
      const room = state.rooms.find((r) => r.id === roomId);
      const newest = newestSeq(t) ?? 0;
      if (room && room.lastSeq > newest) gaps.push({ after: newest, before: room.lastSeq + 1 });
      const gap = gaps.find((g) => !this.gapsTried.has(`${roomId}:${g.after}:${g.before}`));
      if (!gap) return;
      this.gapsTried.add(`${roomId}:${gap.after}:${gap.before}`);
      const { before, limit } = gapRequest(gap);
      try {
        this.acceptPage(roomId, await this.history(roomId, before, limit), before);
      } catch {
        return;
      }
    }
  }

  async openDirect(userId: string): Promise<Room> {
    const room = await api.direct(userId);
    store.dispatch({ type: 'room', room });
    return room;
  }

  async createGroup(title: string, members: string[]): Promise<Room> {
    const room = await api.createRoom(title, members);
    store.dispatch({ type: 'room', room });
    return room;
  }

  async invite(roomId: string, userIds: string[]) {
    for (const userId of userIds) {
      const room = await api.invite(roomId, userId);
      store.dispatch({ type: 'room', room });
    }
  }

  async leave(roomId: string) {
    await api.leave(roomId);
    store.dispatch({ type: 'roomGone', roomId });
  }

  // --- sending ---

  send(roomId: string, text: string) {
    const me = store.getState().me;
    if (!me) return;
    const local: LocalMessage = {
      clientMsgId: newClientMsgId(),
      roomId,
      userId: me.id,
      message: text,
      createdAt: new Date().toISOString(),
      status: 'sending',
    };
    store.dispatch({ type: 'pending', local });
    this.deliver(local);
  }

  /** Sends a failed message again with the same clientMsgId, so the server stores it at most once. */
  retry(roomId: string, clientMsgId: string) {
    const local = store.getState().timelines[roomId]?.pending.find((p) => p.clientMsgId === clientMsgId);
    if (!local) return;
    store.dispatch({ type: 'pendingStatus', roomId, clientMsgId, status: 'sending' });
    this.deliver({ ...local, status: 'sending' });
  }

  discard(roomId: string, clientMsgId: string) {
    this.clearSendTimer(clientMsgId);
    store.dispatch({ type: 'pendingRemove', roomId, clientMsgId });
  }

  private clearSendTimer(clientMsgId: string) {
    const timer = this.sendTimers.get(clientMsgId);
    if (timer) clearTimeout(timer);
    this.sendTimers.delete(clientMsgId);
  }

  private deliver(local: LocalMessage) {
    // Unacknowledged after the timeout (offline, or a lost packet): shown as failed, with a retry.
    this.clearSendTimer(local.clientMsgId);
    this.sendTimers.set(
      local.clientMsgId,
      setTimeout(() => {
        this.sendTimers.delete(local.clientMsgId);
        store.dispatch({ type: 'pendingStatus', roomId: local.roomId, clientMsgId: local.clientMsgId, status: 'failed' });
      }, ackTimeoutMs),
    );
    // While disconnected the message waits; flushOutbox emits it on connect.
    if (this.socket?.connected) void this.emitMessage(local);
  }

  private async emitMessage(local: LocalMessage) {
    const socket = this.socket;
    if (!socket) return;
    let ack: Ack<Message>;
    try {
      ack = await socket
        .timeout(ackTimeoutMs)
        .emitWithAck('message', { roomId: local.roomId, message: local.message, clientMsgId: local.clientMsgId });
    } catch {
      return; // the send timer marks it failed
    }
    if (isError(ack)) {
      this.clearSendTimer(local.clientMsgId);
      store.dispatch({ type: 'pendingStatus', roomId: local.roomId, clientMsgId: local.clientMsgId, status: 'failed' });
      return;
    }
    this.clearSendTimer(local.clientMsgId);
    this.onMessages(local.roomId, [ack]);
  }

  /** On (re)connect: everything still "sending" goes out (a repeat is harmless: same clientMsgId). */
  private flushOutbox() {
    for (const t of Object.values(store.getState().timelines)) {
      for (const p of t.pending) if (p.status === 'sending') void this.emitMessage(p);
    }
  }

  // --- reading and typing ---

  setActiveRoom(roomId: string | null) {
    store.dispatch({ type: 'activeRoom', roomId });
    if (roomId) {
      void this.loadNewest(roomId).catch(() => undefined);
      this.markRead(roomId);
    }
  }

  private setAttentive(attentive: boolean) {
    store.dispatch({ type: 'attentive', attentive });
    const active = store.getState().activeRoomId;
    if (attentive && active) this.markRead(active);
  }

  /** Moves my read position to the newest message of a room I am looking at. */
  markRead(roomId: string) {
    const state = store.getState();
    if (!isViewing(state, roomId) || !state.me) return;
    const room = state.rooms.find((r) => r.id === roomId);
    const t = state.timelines[roomId];
    const newest = t ? (newestSeq(t) ?? 0) : 0;
    if (!room || newest <= 0) return;
    const mine = myReadSeq(room, state.me.id);
    if (newest <= mine && !room.unreadCount) return;
    if ((this.readInFlight.get(roomId) ?? 0) >= newest) return;
    this.readInFlight.set(roomId, newest);
    store.dispatch({ type: 'read', roomId, userId: state.me.id, seq: newest });
    const done = (seq: number) => {
      if ((this.readInFlight.get(roomId) ?? 0) <= seq) this.readInFlight.delete(roomId);
    };
    const socket = this.socket;
    if (socket?.connected) {
      socket
        .timeout(ackTimeoutMs)
        .emitWithAck('read', { roomId, seq: newest })
        .then(() => done(newest), () => done(0));
    } else {
      api.read(roomId, newest).then(() => done(newest), () => done(0));
    }
  }

  /** Tells the room I am typing, at most every few seconds. */
  typing(roomId: string) {
    const now = Date.now();
    if (now - (this.lastTypingSent.get(roomId) ?? 0) < typingSendEveryMs) return;
    this.lastTypingSent.set(roomId, now);
    if (this.socket?.connected) this.socket.emit('typing', { roomId });
  }

  /** Stop advertising typing after a message is sent, so the next keystroke announces it again. */
  resetTyping(roomId: string) {
    this.lastTypingSent.delete(roomId);
  }

  // --- profile ---

  async updateProfile(displayName: string): Promise<User> {
    const me = await api.updateMe(displayName);
    store.dispatch({ type: 'me', me });
    store.dispatch({ type: 'user', profile: me });
    return me;
  }

  async uploadAvatar(file: Blob): Promise<User> {
    const me = await api.uploadAvatar(file);
    store.dispatch({ type: 'me', me });
    store.dispatch({ type: 'user', profile: me });
    return me;
  }

  /** Profiles of people met in the directory (for names of authors who left a room, etc.). */
  rememberUsers(users: Profile[]) {
    store.dispatch({ type: 'users', profiles: users });
  }

  /** A user we have no profile of (an author who left the room): fetch it once. */
  private fetchedUsers = new Set<string>();
  lookUpUser(userId: string) {
    if (this.fetchedUsers.has(userId) || store.getState().users[userId]) return;
    this.fetchedUsers.add(userId);
    api.user(userId).then(
      (u) => store.dispatch({ type: 'users', profiles: [u] }),
      () => undefined,
    );
  }
}

export const client = new ChatClient();
