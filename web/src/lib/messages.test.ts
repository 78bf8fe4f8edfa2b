import { describe, expect, it } from 'vitest';
import type { Message } from '../types';
import {
  addPending,
  applyHistoryPage,
  countUnread,
  emptyTimeline,
  findGaps,
  firstUnreadSeq,
  gapRequest,
  layoutTimeline,
  mergeMessages,
  removePending,
  setPendingStatus,
  type LocalMessage,
  type Timeline,
} from './messages';

const ME = 'me';
const YOU = 'you';

function msg(seq: number, userId = YOU, extra: Partial<Message> = {}): Message {
  return {
    id: `id-${seq}`,
    seq,
    roomId: 'r',
    userId,
    message: `message ${seq}`,
    createdAt: new Date(Date.UTC(2026, 10, 25, 12, 0, seq)).toISOString(),
    clientMsgId: null,
    ...extra,
  };
}

function local(clientMsgId: string, status: LocalMessage['status'] = 'sending'): LocalMessage {
  return { clientMsgId, roomId: 'r', userId: ME, message: 'hi', createdAt: '2026-11-25T12:10:00.000Z', status };
}

const seqs = (t: Timeline) => t.messages.map((m) => m.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const page = (from: number, to: number, hasMore: boolean) => ({ messages: range(from, to).reverse().map((s) => msg(s)), hasMore });

describe('mergeMessages', () => {
  it('sorts by seq whatever the arrival order', () => {
    const t = mergeMessages(emptyTimeline, [msg(3), msg(1), msg(2)]);
    expect(seqs(t)).toEqual([1, 2, 3]);
  });

  it('keeps one copy of a message seen twice (by seq or by id)', () => {
    let t = mergeMessages(emptyTimeline, [msg(1), msg(2)]);
    t = mergeMessages(t, [msg(2), msg(2), msg(3)]);
    t = mergeMessages(t, [{ ...msg(9), id: 'id-3' }]);
    expect(seqs(t)).toEqual([1, 2, 3]);
  });

  it('returns the same object when nothing changes', () => {
    const t = mergeMessages(emptyTimeline, [msg(1)]);
    expect(mergeMessages(t, [msg(1)])).toBe(t);
    expect(mergeMessages(t, [])).toBe(t);
  });

  it('ignores malformed messages', () => {
    const bad = [{ ...msg(1), seq: 0 }, { ...msg(2), seq: 1.5 }, { ...msg(3), id: undefined as unknown as string }];
    expect(mergeMessages(emptyTimeline, bad)).toBe(emptyTimeline);
  });

  it('replaces my pending message when the stored one comes back with its clientMsgId', () => {
    let t = addPending(emptyTimeline, local('c-1'));
    t = addPending(t, local('c-2'));
    t = mergeMessages(t, [msg(1, ME, { clientMsgId: 'c-1' })]);
    expect(t.pending.map((p) => p.clientMsgId)).toEqual(['c-2']);
    expect(seqs(t)).toEqual([1]);
  });

  it('does not drop my pending message for someone else using the same clientMsgId', () => {
    let t = addPending(emptyTimeline, local('c-1'));
    t = mergeMessages(t, [msg(1, YOU, { clientMsgId: 'c-1' })]);
    expect(t.pending).toHaveLength(1);
  });

  it('a retried message acked twice (ack and live event) is shown once', () => {
    let t = addPending(emptyTimeline, local('c-1', 'failed'));
    t = setPendingStatus(t, 'c-1', 'sending');
    const stored = msg(4, ME, { clientMsgId: 'c-1' });
    t = mergeMessages(t, [stored]);
    t = mergeMessages(t, [stored]);
    expect(t.pending).toEqual([]);
    expect(seqs(t)).toEqual([4]);
  });

  it('a replay after a reconnect that overlaps what we have adds only the missing ones, in order', () => {
    let t = mergeMessages(emptyTimeline, range(1, 10).map((s) => msg(s)));
    t = mergeMessages(t, range(8, 30).map((s) => msg(s)));
    expect(seqs(t)).toEqual(range(1, 30));
  });
});

describe('pending messages', () => {
  it('adds each clientMsgId once and tracks its status', () => {
    let t = addPending(emptyTimeline, local('c-1'));
    expect(addPending(t, local('c-1'))).toBe(t);
    t = setPendingStatus(t, 'c-1', 'failed');
    expect(t.pending[0]!.status).toBe('failed');
    expect(setPendingStatus(t, 'c-1', 'failed')).toBe(t);
    t = removePending(t, 'c-1');
    expect(t.pending).toEqual([]);
  });
});

describe('applyHistoryPage', () => {
  it('the newest page marks the timeline loaded and says whether older pages exist', () => {
    const t = applyHistoryPage(emptyTimeline, page(51, 100, true));
    expect(t.loaded).toBe(true);
    expect(t.hasOlder).toBe(true);
    expect(seqs(t)).toEqual(range(51, 100));
  });

  it('an older page is prepended and the last one clears hasOlder', () => {
    let t = applyHistoryPage(emptyTimeline, page(51, 100, true));
    t = applyHistoryPage(t, page(1, 50, false), 51);
    expect(seqs(t)).toEqual(range(1, 100));
    expect(t.hasOlder).toBe(false);
  });

  it('an empty room has nothing older', () => {
    const t = applyHistoryPage(emptyTimeline, { messages: [], hasMore: false });
    expect(t.loaded).toBe(true);
    expect(t.hasOlder).toBe(false);
  });

  it('merges with live messages that arrived before the first page', () => {
    let t = mergeMessages(emptyTimeline, [msg(100), msg(101)]);
    expect(t.loaded).toBe(false);
    t = applyHistoryPage(t, page(52, 101, true));
    expect(seqs(t)).toEqual(range(52, 101));
    expect(t.hasOlder).toBe(true);
  });

  it('a page filling a gap does not change hasOlder', () => {
    let t = applyHistoryPage(emptyTimeline, page(41, 50, true));
    t = mergeMessages(t, [msg(60)]);
    t = applyHistoryPage(t, page(51, 59, true), 60);
    expect(t.hasOlder).toBe(true);
    expect(seqs(t)).toEqual(range(41, 60));
  });

  it('seq 1 means there is nothing older, whatever hasMore says', () => {
    const t = applyHistoryPage(emptyTimeline, page(1, 5, true));
    expect(t.hasOlder).toBe(false);
  });
});

describe('gaps', () => {
  it('finds the seqs missing between messages and the requests that fill them', () => {
    const t = mergeMessages(emptyTimeline, [msg(1), msg(2), msg(5), msg(6), msg(300)]);
    expect(findGaps(t)).toEqual([
      { after: 2, before: 5 },
      { after: 6, before: 300 },
    ]);
    expect(gapRequest({ after: 2, before: 5 })).toEqual({ before: 5, limit: 2 });
    expect(gapRequest({ after: 6, before: 300 })).toEqual({ before: 300, limit: 100 });
  });

  it('a dense timeline has no gap', () => {
    expect(findGaps(mergeMessages(emptyTimeline, range(1, 20).map((s) => msg(s))))).toEqual([]);
  });
});

describe('layoutTimeline', () => {
  const dayOf = (iso: string) => iso.slice(0, 10);

  it('puts a day separator before the first message of each day', () => {
    const t = mergeMessages(emptyTimeline, [
      msg(1, YOU, { createdAt: '2026-11-24T23:59:00.000Z' }),
      msg(2, YOU, { createdAt: '2026-11-25T00:01:00.000Z' }),
      msg(3, YOU, { createdAt: '2026-11-25T00:02:00.000Z' }),
    ]);
    const kinds = layoutTimeline(t, { myId: ME, dayOf }).map((i) => i.kind);
    expect(kinds).toEqual(['day', 'message', 'day', 'message', 'message']);
  });

  it('groups runs of one author within five minutes', () => {
    const t = mergeMessages(emptyTimeline, [
      msg(1, YOU, { createdAt: '2026-11-25T10:00:00.000Z' }),
      msg(2, YOU, { createdAt: '2026-11-25T10:01:00.000Z' }),
      msg(3, ME, { createdAt: '2026-11-25T10:02:00.000Z' }),
      msg(4, ME, { createdAt: '2026-11-25T10:30:00.000Z' }),
    ]);
    const items = layoutTimeline(t, { myId: ME, dayOf }).filter((i) => i.kind === 'message');
    expect(items.map((i) => [i.message.seq, i.startsGroup, i.endsGroup, i.mine])).toEqual([
      [1, true, false, false],
      [2, false, true, false],
      [3, true, true, true],
      [4, true, true, true],
    ]);
  });

  it('places the "new messages" divider before the first unread message of someone else', () => {
    const t = mergeMessages(emptyTimeline, [msg(1), msg(2, ME), msg(3, ME), msg(4), msg(5)]);
    const items = layoutTimeline(t, { myId: ME, dayOf, unreadAfterSeq: 1 });
    const at = items.findIndex((i) => i.kind === 'unread');
    expect(items[at + 1]).toMatchObject({ kind: 'message', message: { seq: 4 } });
    expect(items.filter((i) => i.kind === 'unread')).toHaveLength(1);
    expect(firstUnreadSeq(t, ME, 1)).toBe(4);
    expect(countUnread(t, ME, 1)).toBe(2);
  });

  it('waits for the page that holds my read position before placing the divider', () => {
    let t = applyHistoryPage(emptyTimeline, page(51, 100, true));
    const has = (tl: Timeline) => layoutTimeline(tl, { myId: ME, dayOf, unreadAfterSeq: 10 }).some((i) => i.kind === 'unread');
    expect(has(t)).toBe(false);
    t = applyHistoryPage(t, page(1, 50, false), 51);
    const items = layoutTimeline(t, { myId: ME, dayOf, unreadAfterSeq: 10 });
    expect(items[items.findIndex((i) => i.kind === 'unread') + 1]).toMatchObject({ message: { seq: 11 } });
    // Right at the edge: the page starts with the first unread message.
    expect(has(applyHistoryPage(emptyTimeline, page(11, 60, true)))).toBe(true);
  });

  it('has no divider when everything is read', () => {
    const t = mergeMessages(emptyTimeline, [msg(1), msg(2)]);
    expect(layoutTimeline(t, { myId: ME, dayOf, unreadAfterSeq: 2 }).some((i) => i.kind === 'unread')).toBe(false);
  });

  it('shows pending messages after the stored ones', () => {
    let t = mergeMessages(emptyTimeline, [msg(1)]);
    t = addPending(t, local('c-1'));
    const items = layoutTimeline(t, { myId: ME, dayOf });
    expect(items.at(-1)).toMatchObject({ kind: 'local', local: { clientMsgId: 'c-1' } });
  });
});
