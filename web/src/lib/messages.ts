// A room's message timeline, kept as pure data: confirmed messages from history pages and live events,
// merged by seq (dense per room: 1, 2, 3, … with no gap), plus my local messages that are not stored yet.
// Every function returns a new timeline and never mutates its input, so React can compare by reference.
import type { HistoryPage, Message } from '../types';

export type SendStatus = 'sending' | 'failed';

/** A message I sent that the server has not acknowledged yet (or that failed and can be retried). */
export interface LocalMessage {
  clientMsgId: string;
  roomId: string;
  userId: string;
  message: string;
  createdAt: string;
  status: SendStatus;
}

export interface Timeline {
  /** Stored messages, ascending by seq, each seq once. */
  messages: Message[];
  /** My unacknowledged messages, in the order I sent them. */
  pending: LocalMessage[];
  /** Whether the newest page was fetched (live events alone do not make a timeline loaded). */
  loaded: boolean;
  /** Whether the server has messages older than messages[0]. */
  hasOlder: boolean;
}

export const emptyTimeline: Timeline = Object.freeze({
  messages: [],
  pending: [],
  loaded: false,
  hasOlder: true,
}) as Timeline;

export function oldestSeq(t: Timeline): number | undefined {
  return t.messages[0]?.seq;
}

export function newestSeq(t: Timeline): number | undefined {
  return t.messages.at(-1)?.seq;
}

function isValid(m: Message): boolean {
  return typeof m.seq === 'number' && Number.isInteger(m.seq) && m.seq > 0 && typeof m.id === 'string';
}

/**
 * Merges stored messages (a history page, live events, a replay after reconnecting, an ack) into the
 * timeline. A message already present (same seq or same id) is kept once; a pending message whose
 * clientMsgId comes back from the server (from me) is dropped, since the stored one replaces it.
 */
export function mergeMessages(t: Timeline, incoming: readonly Message[]): Timeline {
  const fresh = incoming.filter(isValid);
  if (fresh.length === 0) return t;

  const bySeq = new Map<number, Message>();
  const ids = new Set<string>();
  for (const m of t.messages) {
    bySeq.set(m.seq, m);
    ids.add(m.id);
  }
  let added = false;
  for (const m of fresh) {
    if (bySeq.has(m.seq) || ids.has(m.id)) continue;
    bySeq.set(m.seq, m);
    ids.add(m.id);
    added = true;
  }

  const confirmed = new Set(
    fresh.filter((m) => m.clientMsgId).map((m) => `${m.userId}\u0000${m.clientMsgId}`),
  );
  const pending = t.pending.filter((p) => !confirmed.has(`${p.userId}\u0000${p.clientMsgId}`));
  const pendingChanged = pending.length !== t.pending.length;

  if (!added && !pendingChanged) return t;
  const messages = added ? [...bySeq.values()].sort((a, b) => a.seq - b.seq) : t.messages;
  return { ...t, messages, pending: pendingChanged ? pending : t.pending };
}

/**
 * Applies one history page (newest first, as the server sends it). `before` is the seq the page was asked
 * before (undefined for the newest page). The page tells whether older messages exist only when it reaches
 * below everything the timeline had.
 */
export function applyHistoryPage(t: Timeline, page: HistoryPage, before?: number): Timeline {
  const previousOldest = oldestSeq(t);
  const merged = mergeMessages(t, page.messages);
  const pageOldest = page.messages.reduce<number | undefined>(
    (min, m) => (min === undefined || m.seq < min ? m.seq : min),
    undefined,
  );
  let hasOlder = merged.hasOlder;
  const extendsOldestEnd =
    previousOldest === undefined || (pageOldest !== undefined && pageOldest <= previousOldest) ||
    (before !== undefined && before <= previousOldest);
  if (extendsOldestEnd) hasOlder = page.hasMore;
  // seq 1 is the first message of every room: nothing can be older.
  if (merged.messages[0]?.seq === 1) hasOlder = false;
  const loaded = merged.loaded || before === undefined;
  if (hasOlder === merged.hasOlder && loaded === merged.loaded) return merged;
  return { ...merged, hasOlder, loaded };
}

export function addPending(t: Timeline, local: LocalMessage): Timeline {
  if (t.pending.some((p) => p.clientMsgId === local.clientMsgId)) return t;
  return { ...t, pending: [...t.pending, local] };
}

export function setPendingStatus(t: Timeline, clientMsgId: string, status: SendStatus): Timeline {
  let changed = false;
  const pending = t.pending.map((p) => {
    if (p.clientMsgId !== clientMsgId || p.status === status) return p;
    changed = true;
    return { ...p, status };
  });
  return changed ? { ...t, pending } : t;
}

export function removePending(t: Timeline, clientMsgId: string): Timeline {
  const pending = t.pending.filter((p) => p.clientMsgId !== clientMsgId);
  return pending.length === t.pending.length ? t : { ...t, pending };
}

/** A run of seqs missing between two messages the timeline has: after < missing < before. */
export interface Gap {
  after: number;
  before: number;
}

/** The holes inside the timeline (seqs are dense, so any jump is a message we have not seen). */
export function findGaps(t: Timeline): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 1; i < t.messages.length; i++) {
    const a = t.messages[i - 1]!.seq;
    const b = t.messages[i]!.seq;
    if (b > a + 1) gaps.push({ after: a, before: b });
  }
  return gaps;
}

/** The history requests that fill a gap: pages of at most `pageLimit`, newest first, each `seq < before`. */
export function gapRequest(gap: Gap, pageLimit = 100): { before: number; limit: number } {
  return { before: gap.before, limit: Math.min(pageLimit, gap.before - gap.after - 1) };
}

/** What the message list shows, in order. */
export type TimelineItem =
  | { kind: 'day'; key: string; at: string }
  | { kind: 'unread'; key: string }
  | {
      kind: 'message';
      key: string;
      message: Message;
      mine: boolean;
      /** First of a run by the same author within a few minutes: shows the avatar and name. */
      startsGroup: boolean;
      /** Last of such a run: shows the time. */
      endsGroup: boolean;
    }
  | { kind: 'local'; key: string; local: LocalMessage; startsGroup: boolean };

export interface LayoutOptions {
  myId: string;
  /** Where the "new messages" divider goes: before the first message of someone else past this seq. */
  unreadAfterSeq?: number;
  /** The local calendar day of a timestamp (see dates.ts dayKey). */
  dayOf: (iso: string) => string;
  /** Messages by one author closer than this are grouped. */
  groupWindowMs?: number;
}

/**
 * Lays the timeline out: day separators, the "new messages" divider, and runs of one author's messages.
 * Pending messages come last (they are the newest), in send order.
 */
export function layoutTimeline(t: Timeline, opts: LayoutOptions): TimelineItem[] {
  const windowMs = opts.groupWindowMs ?? 5 * 60_000;
  const items: TimelineItem[] = [];
  let lastDay: string | undefined;
  // The divider goes in only once the timeline reaches back to my read position; otherwise the first unread
  // message is in a page not loaded yet, and a divider would mark the wrong place.
  const after = opts.unreadAfterSeq;
  const first = t.messages[0];
  let dividerPlaced = after === undefined || !first || (first.seq > after + 1 && t.hasOlder);
  let prev: { userId: string; at: number } | undefined;

  const messageItems: Extract<TimelineItem, { kind: 'message' }>[] = [];
  for (const m of t.messages) {
    const day = opts.dayOf(m.createdAt);
    let breaksRun = false;
    if (day !== lastDay) {
      items.push({ kind: 'day', key: `day-${day}`, at: m.createdAt });
      lastDay = day;
      breaksRun = true;
    }
    const mine = m.userId === opts.myId;
    if (!dividerPlaced && !mine && m.seq > after!) {
      items.push({ kind: 'unread', key: 'unread' });
      dividerPlaced = true;
      breaksRun = true;
    }
    const at = Date.parse(m.createdAt);
    const startsGroup =
      breaksRun || !prev || prev.userId !== m.userId || !(at - prev.at < windowMs && at >= prev.at);
    if (startsGroup && messageItems.length) messageItems.at(-1)!.endsGroup = true;
    const item = { kind: 'message' as const, key: `m-${m.id}`, message: m, mine, startsGroup, endsGroup: false };
    items.push(item);
    messageItems.push(item);
    prev = { userId: m.userId, at };
  }
  if (messageItems.length) messageItems.at(-1)!.endsGroup = true;

  for (const local of t.pending) {
    const day = opts.dayOf(local.createdAt);
    if (day !== lastDay) {
      items.push({ kind: 'day', key: `day-${day}`, at: local.createdAt });
      lastDay = day;
    }
    const startsGroup = !prev || prev.userId !== local.userId;
    items.push({ kind: 'local', key: `l-${local.clientMsgId}`, local, startsGroup });
    prev = { userId: local.userId, at: Date.parse(local.createdAt) };
  }
  return items;
}

/** The seq of the first message of someone else after `readSeq`, if any (for scrolling to the divider). */
export function firstUnreadSeq(t: Timeline, myId: string, readSeq: number): number | undefined {
  return t.messages.find((m) => m.seq > readSeq && m.userId !== myId)?.seq;
}

/** How many messages of others are past `readSeq` among those the timeline has. */
export function countUnread(t: Timeline, myId: string, readSeq: number): number {
  let n = 0;
  for (const m of t.messages) if (m.seq > readSeq && m.userId !== myId) n++;
  return n;
}
