// Messages: posting (validation, trimming, idempotent retries by clientMsgId) and reading history.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, assertError, newUser, toMillis, useServer } from './lib/server.mjs';
import { createRoom, history, postMessage } from './lib/chat.mjs';

const uuid_re = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('messages', { timeout: 60_000 }, () => {
  const srv = useServer();
  let a;
  let b;
  let outsider;
  before(async () => {
    a = await newUser(srv.url, { tag: 'msg-a' });
    b = await newUser(srv.url, { tag: 'msg-b' });
    outsider = await newUser(srv.url, { tag: 'msg-out' });
  });
  const post = (token, roomId, body) => api(srv.url, 'POST', `/api/chat/${roomId}`, { token, body });

  describe('posting', () => {
    it('returns 201 with the stored message, seqs counting 1, 2, 3 in the room', async () => {
      const room = await createRoom(srv.url, a.token, 'Seqs', [b.user.id]);
      const before_ms = Date.now();
      const res = await post(a.token, room.id, { message: 'hello', clientMsgId: 'c-1' });
      assert.equal(res.status, 201, res.text);
      const m = res.json;
      assert.match(m.id, uuid_re);
      assert.equal(m.seq, 1);
      assert.equal(m.roomId, room.id);
      assert.equal(m.userId, a.user.id);
      assert.equal(m.message, 'hello');
      assert.equal(m.clientMsgId, 'c-1');
      assert.ok(Math.abs(toMillis(m.createdAt) - before_ms) < 60_000);
      const second = await postMessage(srv.url, b.token, room.id, 'hi there');
      assert.equal(second.seq, 2);
      assert.equal(second.userId, b.user.id);
      assert.equal(second.clientMsgId ?? null, null);
      assert.equal((await postMessage(srv.url, a.token, room.id, 'third')).seq, 3);
    });

    it('trims the message', async () => {
      const room = await createRoom(srv.url, a.token, 'Trim');
      const m = await postMessage(srv.url, a.token, room.id, '  \n spaced out \t ');
      assert.equal(m.message, 'spaced out');
      assert.equal((await history(srv.url, a.token, room.id)).messages[0].message, 'spaced out');
    });

    it('the same clientMsgId again is 200 with the identical stored message, and no new seq', async () => {
      const room = await createRoom(srv.url, a.token, 'Retry', [b.user.id]);
      const id = randomUUID();
      const first = await post(a.token, room.id, { message: 'once only', clientMsgId: id });
      assert.equal(first.status, 201, first.text);
      const again = await post(a.token, room.id, { message: 'once only', clientMsgId: id });
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.json, first.json);
      const page = await history(srv.url, a.token, room.id);
      assert.equal(page.messages.length, 1);
      assert.equal((await postMessage(srv.url, a.token, room.id, 'next')).seq, 2, 'the retry used up a seq');
    });

    it('the same clientMsgId from another sender or in another room is a new message', async () => {
      const room = await createRoom(srv.url, a.token, 'Shared ids', [b.user.id]);
      const room2 = await createRoom(srv.url, a.token, 'Shared ids 2');
      const id = randomUUID();
      const mine = await postMessage(srv.url, a.token, room.id, 'from a', id);
      const theirs = await postMessage(srv.url, b.token, room.id, 'from b', id);
      const elsewhere = await postMessage(srv.url, a.token, room2.id, 'other room', id);
      assert.notEqual(theirs.id, mine.id);
      assert.equal(theirs.seq, 2);
      assert.notEqual(elsewhere.id, mine.id);
      assert.equal(elsewhere.seq, 1);
    });

    it('an empty, blank or too long message is 400 invalid_message', async () => {
      const room = await createRoom(srv.url, a.token, 'Invalid');
      for (const message of ['', '   ', '\n\t \r\n', 'x'.repeat(4001), '가'.repeat(4001)]) {
        assertError(await post(a.token, room.id, { message }), 400, 'invalid_message');
      }
      assertError(await post(a.token, room.id, {}), 400);
      assert.equal((await history(srv.url, a.token, room.id)).messages.length, 0);
    });

    it('4000 characters are counted in code points: 4000 Korean characters are accepted', async () => {
      const room = await createRoom(srv.url, a.token, 'Long');
      for (const message of ['가'.repeat(4000), 'x'.repeat(4000), '🙂'.repeat(4000)]) {
        const m = await postMessage(srv.url, a.token, room.id, message);
        assert.equal(m.message, message);
      }
      const page = await history(srv.url, a.token, room.id);
      assert.deepEqual(page.messages.map((m) => m.message.length), ['🙂'.repeat(4000).length, 4000, 4000]);
    });

    it('keeps text exactly: Unicode, quotes, HTML and SQL-looking text come back as sent', async () => {
      const room = await createRoom(srv.url, a.token, 'Exact');
      const texts = ['안녕하세요 👋🏽', '"quoted" \\ back\\slash', "<script>alert('x')</script>", "'); DROP TABLE messages;--",
        'line 1\nline 2'];
      for (const t of texts) await postMessage(srv.url, a.token, room.id, t);
      const page = await history(srv.url, a.token, room.id);
      assert.deepEqual(page.messages.map((m) => m.message).reverse(), texts);
    });

    it('posting is 403 forbidden for a non-member and 404 for an unknown room', async () => {
      const room = await createRoom(srv.url, a.token, 'Members only');
      assertError(await post(outsider.token, room.id, { message: 'let me in' }), 403, 'forbidden');
      assertError(await post(a.token, '00000000-0000-4000-8000-000000000000', { message: 'void' }), 404);
      assertError(await post(a.token, 'not-a-room', { message: 'void' }), 404);
      assertError(await post(undefined, room.id, { message: 'anonymous' }), 401, 'unauthorized');
    });
  });

  describe('history', () => {
    let room;
    let sent;
    before(async () => {
      room = await createRoom(srv.url, a.token, 'History', [b.user.id]);
      sent = [];
      for (let i = 1; i <= 60; i++) sent.push(await postMessage(srv.url, i % 2 ? a.token : b.token, room.id, `m${i}`));
    });

    it('is newest first, 50 by default, with hasMore', async () => {
      const page = await history(srv.url, b.token, room.id);
      assert.equal(page.messages.length, 50);
      assert.equal(page.hasMore, true);
      assert.deepEqual(page.messages.map((m) => m.seq), Array.from({ length: 50 }, (_, i) => 60 - i));
      const fields = ['id', 'seq', 'roomId', 'userId', 'message', 'createdAt', 'clientMsgId'];
      const pick = (m) => Object.fromEntries(fields.map((f) => [f, m[f] ?? null]));
      assert.deepEqual(pick(page.messages[0]), pick(sent[59]), 'history shows a message differently from its 201');
    });

    it('before=<seq> continues below that seq, and the last page says hasMore: false', async () => {
      const page = await history(srv.url, a.token, room.id, { before: 11, limit: 20 });
      assert.deepEqual(page.messages.map((m) => m.seq), [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.equal(page.hasMore, false);
      const exact = await history(srv.url, a.token, room.id, { before: 11, limit: 10 });
      assert.equal(exact.messages.length, 10);
      assert.equal(exact.hasMore, false, 'hasMore is true although seq 1 was on this page');
      const middle = await history(srv.url, a.token, room.id, { before: 31, limit: 5 });
      assert.deepEqual(middle.messages.map((m) => m.message), ['m30', 'm29', 'm28', 'm27', 'm26']);
      assert.equal(middle.hasMore, true);
    });

    it('accepts limits 1 and 100', async () => {
      const one = await history(srv.url, a.token, room.id, { limit: 1 });
      assert.deepEqual(one.messages.map((m) => m.seq), [60]);
      assert.equal(one.hasMore, true);
      const hundred = await history(srv.url, a.token, room.id, { limit: 100 });
      assert.equal(hundred.messages.length, 60);
      assert.equal(hundred.hasMore, false);
    });

    it('a limit outside 1..100 or not a number is 400', async () => {
      for (const limit of ['0', '101', '-1', 'abc', '1.5', '1e3', '99999999999999999999']) {
        const res = await api(srv.url, 'GET', `/api/room/${room.id}/chat?limit=${encodeURIComponent(limit)}`, { token: a.token });
        assertError(res, 400);
      }
    });

    it('an empty room has no messages and hasMore: false', async () => {
      const empty = await createRoom(srv.url, a.token, 'Empty');
      assert.deepEqual(await history(srv.url, a.token, empty.id), { messages: [], hasMore: false });
    });

    it('is 403 for a non-member and 404 for an unknown room', async () => {
      assertError(await api(srv.url, 'GET', `/api/room/${room.id}/chat`, { token: outsider.token }), 403, 'forbidden');
      assertError(await api(srv.url, 'GET', '/api/room/00000000-0000-4000-8000-000000000000/chat', { token: a.token }), 404);
    });
  });
});
