// History paging over 250 messages: every seq exactly once, newest first, hasMore right on every page.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mapConcurrent, newUser, useServer } from './lib/server.mjs';
import { createRoom, fullHistory, history, postMessage } from './lib/chat.mjs';

const total = 250;

describe('history paging', { timeout: 90_000 }, () => {
  const srv = useServer();
  let a;
  let b;
  let room;
  let acked; // seq -> the 201 body
  before(async () => {
    a = await newUser(srv.url, { tag: 'page-a' });
    b = await newUser(srv.url, { tag: 'page-b' });
    room = await createRoom(srv.url, a.token, 'Paging', [b.user.id]);
    // Posted 8 at a time by two authors, so the writer batches them; seqs must still be dense.
    const sent = await mapConcurrent(Array.from({ length: total }, (_, i) => i), 8, (i) =>
      postMessage(srv.url, i % 3 ? a.token : b.token, room.id, `paging message ${i}`, `page-${i}`));
    acked = new Map(sent.map((m) => [m.seq, m]));
  });

  it('250 posted messages got 250 distinct seqs, 1..250', () => {
    assert.deepEqual([...acked.keys()].sort((x, y) => x - y), Array.from({ length: total }, (_, i) => i + 1));
  });

  for (const limit of [100, 7, 50]) {
    it(`pages of ${limit} give every seq 1..${total} exactly once, newest first, hasMore only before the last page`,
      async () => {
        const pages = [];
        let before_seq;
        for (;;) {
          const page = await history(srv.url, b.token, room.id, before_seq === undefined ? { limit } : { limit, before: before_seq });
          pages.push(page);
          if (!page.hasMore) break;
          assert.ok(pages.length <= Math.ceil(total / limit), `hasMore is still true after ${pages.length} pages`);
          before_seq = page.messages.at(-1).seq;
        }
        assert.equal(pages.length, Math.ceil(total / limit), 'wrong number of pages');
        pages.forEach((page, i) => {
          const expected = Math.min(limit, total - i * limit);
          assert.equal(page.messages.length, expected, `page ${i + 1} holds ${page.messages.length}, not ${expected}`);
          assert.equal(page.hasMore, i < pages.length - 1, `hasMore of page ${i + 1}`);
        });
        const seqs = pages.flatMap((p) => p.messages.map((m) => m.seq));
        assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => total - i), 'not every seq once, newest first');
        for (const m of pages.flatMap((p) => p.messages)) {
          const sent = acked.get(m.seq);
          assert.equal(m.id, sent.id, `seq ${m.seq} holds another message`);
          assert.equal(m.message, sent.message);
          assert.equal(m.userId, sent.userId);
          assert.equal(m.roomId, room.id);
        }
      });
  }

  it('a page that starts from before=1 is empty with hasMore: false', async () => {
    assert.deepEqual(await history(srv.url, a.token, room.id, { before: 1, limit: 10 }), { messages: [], hasMore: false });
  });

  it('the helper that walks all pages agrees (limit 100)', async () => {
    const all = await fullHistory(srv.url, a.token, room.id, 100);
    assert.equal(all.length, total);
    assert.equal(new Set(all.map((m) => m.id)).size, total);
  });

  it('a message posted after paging started appears on top, with the next seq', async () => {
    const first = await history(srv.url, a.token, room.id, { limit: 7 });
    const m = await postMessage(srv.url, b.token, room.id, 'late');
    assert.equal(m.seq, total + 1);
    const next = await history(srv.url, a.token, room.id, { limit: 7, before: first.messages.at(-1).seq });
    assert.equal(next.messages[0].seq, first.messages.at(-1).seq - 1, 'the page after the first shifted');
    assert.equal((await history(srv.url, a.token, room.id, { limit: 1 })).messages[0].id, m.id);
  });
});
