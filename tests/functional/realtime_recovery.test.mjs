// Recovery by seq: a client that comes back says which seq it has per room (auth.lastSeqs at CONNECT, or
// a sync event on an open socket) and gets exactly what it missed, in seq order, once, then "synced".
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { api, mapConcurrent, newUser, startServer, useServer } from './lib/server.mjs';
import { createRoom, postMessage } from './lib/chat.mjs';
import { ack, aliceBobCarol, closeSocket, connectSocket, sendMessage, useSockets } from './lib/realtime.mjs';

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

// Posts `count` messages to a room over HTTP (a few at a time); returns them sorted by seq.
async function postMany(url, token, roomId, count, tag) {
  const posted = await mapConcurrent(range(1, count), 8, (i) => postMessage(url, token, roomId, `${tag} ${i}`));
  return posted.sort((a, b) => a.seq - b.seq);
}

// The seqs of one room a socket got from log index `from` up to (not including) index `to`.
function seqsBetween(log, roomId, from, to = Infinity) {
  return log.all('message', (m, e) => m.roomId === roomId && e.at < to, from).map((e) => e.args[0].seq);
}

describe('realtime recovery by seq', () => {
  const server = useServer();
  const sockets = useSockets();
  let alice;
  let bob;
  let carol;
  let dm;
  let group;

  before(async () => {
    ({ alice, bob, carol, dm, group } = await aliceBobCarol(server.url, 'recovery group'));
  });

  // Bob online, a few live messages in the DM; returns the last seq Bob has, after Bob disconnects.
  async function bobGoesAway(rooms = [dm]) {
    const b = await sockets.connect(server.url, { token: bob.token });
    const last = {};
    for (const room of rooms) {
      const m = await postMessage(server.url, alice.token, room.id, `live in ${room.title ?? 'dm'}`);
      await b.log.waitFor('message', (x) => x.id === m.id);
      last[room.id] = Math.max(...b.log.messages(room.id).map((x) => x.seq));
      assert.equal(last[room.id], m.seq);
    }
    await closeSocket(b);
    return last;
  }

  // After `synced`: a live message reaches the socket next (no duplicate, no leftover of the catch-up).
  async function assertLiveAfter(socket, roomId, expected_seq) {
    const live = await postMessage(server.url, alice.token, roomId, 'live again');
    assert.equal(live.seq, expected_seq);
    await socket.log.waitFor('message', (m) => m.id === live.id);
  }

  test('reconnecting with auth.lastSeqs gets exactly the 100 missed messages, in order, once, then synced', async () => {
    const last = await bobGoesAway();
    const missed = await postMany(server.url, alice.token, dm.id, 100, 'while away');
    assert.deepEqual(missed.map((m) => m.seq), range(last[dm.id] + 1, last[dm.id] + 100));

    const b = await sockets.connect(server.url, { token: bob.token, lastSeqs: { [dm.id]: last[dm.id] } });
    const synced = await b.log.waitFor('synced', undefined, { what: 'synced after the catch-up' });
    assert.deepEqual(seqsBetween(b.log, dm.id, 0, synced.at), missed.map((m) => m.seq));
    const got = b.log.messages(dm.id);
    assert.deepEqual(got.map((m) => m.id), missed.map((m) => m.id));
    assert.deepEqual(got.map((m) => m.message), missed.map((m) => m.message));
    assert.equal(got[0].author?.displayName, 'Alice');
    assert.equal(synced.args[0]?.lastSeqs?.[dm.id], last[dm.id] + 100, JSON.stringify(synced.args[0]));
    assert.equal(b.log.all('synced').length, 1);

    await assertLiveAfter(b, dm.id, last[dm.id] + 101);
    assert.deepEqual(seqsBetween(b.log, dm.id, 0), range(last[dm.id] + 1, last[dm.id] + 101));
  });

  test('the sync event on an open socket brings the missed messages, then synced', async () => {
    const last = await bobGoesAway();
    const missed = await postMany(server.url, alice.token, dm.id, 100, 'missed, then sync');

    // Connected without lastSeqs: nothing of the past arrives by itself. Sync at once.
    const b = await sockets.connect(server.url, { token: bob.token });
    assert.deepEqual(await ack(b, 'sync', { lastSeqs: { [dm.id]: last[dm.id] } }), { ok: true });
    const synced = await b.log.waitFor('synced', undefined, { what: 'synced after a sync event' });
    assert.deepEqual(seqsBetween(b.log, dm.id, 0, synced.at), missed.map((m) => m.seq));
    assert.equal(synced.args[0]?.lastSeqs?.[dm.id], missed.at(-1).seq, JSON.stringify(synced.args[0]));
    await assertLiveAfter(b, dm.id, missed.at(-1).seq + 1);
    assert.deepEqual(seqsBetween(b.log, dm.id, 0), range(last[dm.id] + 1, missed.at(-1).seq + 1));
    assert.equal(b.log.all('synced').length, 1);
  });

  test('the sync event after the socket has settled (a later resync) also ends with synced', async () => {
    const b = await sockets.connect(server.url, { token: bob.token });
    const m = await sendMessage(b, dm.id, 'settled');
    await b.log.waitFor('message', (x) => x.id === m.id);
    const from = b.log.length;
    assert.deepEqual(await ack(b, 'sync', { lastSeqs: { [dm.id]: m.seq } }), { ok: true });
    const synced = await b.log.waitFor('synced', undefined, { from });
    assert.equal(synced.args[0]?.lastSeqs?.[dm.id], m.seq, JSON.stringify(synced.args[0]));
    assert.deepEqual(seqsBetween(b.log, dm.id, from, synced.at), []);
    await assertLiveAfter(b, dm.id, m.seq + 1);
  });

  test('with two rooms: each room\'s missed messages in its own seq order, once, then one synced', async () => {
    const last = await bobGoesAway([dm, group]);
    // Interleaved: Alice in the DM, Carol in the group, at the same time.
    const [in_dm, in_group] = await Promise.all([
      postMany(server.url, alice.token, dm.id, 60, 'dm while away'),
      postMany(server.url, carol.token, group.id, 40, 'group while away'),
    ]);

    const b = await sockets.connect(server.url, { token: bob.token, lastSeqs: last });
    const synced = await b.log.waitFor('synced');
    assert.deepEqual(seqsBetween(b.log, dm.id, 0, synced.at), in_dm.map((m) => m.seq));
    assert.deepEqual(seqsBetween(b.log, group.id, 0, synced.at), in_group.map((m) => m.seq));
    assert.equal(synced.args[0]?.lastSeqs?.[dm.id], in_dm.at(-1).seq, JSON.stringify(synced.args[0]));
    assert.equal(synced.args[0]?.lastSeqs?.[group.id], in_group.at(-1).seq, JSON.stringify(synced.args[0]));
    assert.equal(b.log.all('synced').length, 1);
    await assertLiveAfter(b, group.id, in_group.at(-1).seq + 1);
    await assertLiveAfter(b, dm.id, in_dm.at(-1).seq + 1);
    assert.deepEqual(seqsBetween(b.log, dm.id, 0), range(last[dm.id] + 1, in_dm.at(-1).seq + 1));
    assert.deepEqual(seqsBetween(b.log, group.id, 0), range(last[group.id] + 1, in_group.at(-1).seq + 1));
  });

  test('messages posted during the catch-up are neither lost, duplicated nor reordered', async () => {
    const last = await bobGoesAway();
    const missed = await postMany(server.url, alice.token, dm.id, 100, 'before reconnect');
    // Reconnect while Alice keeps posting.
    const b_connected = sockets.connect(server.url, { token: bob.token, lastSeqs: { [dm.id]: last[dm.id] } });
    const during = await postMany(server.url, alice.token, dm.id, 50, 'during reconnect');
    const b = await b_connected;
    const end = during.at(-1).seq;
    assert.equal(end, missed.at(-1).seq + 50);
    await b.log.waitFor('synced');
    await b.log.waitFor('message', (m) => m.seq === end && m.roomId === dm.id, { what: `seq ${end}` });
    await assertLiveAfter(b, dm.id, end + 1);
    assert.deepEqual(seqsBetween(b.log, dm.id, 0), range(last[dm.id] + 1, end + 1));
    assert.equal(b.log.all('synced').length, 1);
  });

  test('lastSeqs 0 or negative replays the room from the start; rooms not asked for are live only', async () => {
    const lonely = await createRoom(server.url, bob.token, 'bob alone');
    const mine = await postMany(server.url, bob.token, lonely.id, 5, 'note');
    const b = await sockets.connect(server.url, { token: bob.token, lastSeqs: { [lonely.id]: -7 } });
    const synced = await b.log.waitFor('synced');
    assert.deepEqual(seqsBetween(b.log, lonely.id, 0, synced.at), mine.map((m) => m.seq));
    assert.deepEqual(seqsBetween(b.log, dm.id, 0, synced.at), [], 'a room not in lastSeqs was replayed');
    assert.equal(mine[0].seq, 1);
  });

  test('a lastSeq beyond the room\'s last seq is taken as the last seq: new messages still arrive', async () => {
    const first = await postMessage(server.url, alice.token, dm.id, 'before a too-high lastSeq');
    const b = await sockets.connect(server.url, { token: bob.token, lastSeqs: { [dm.id]: first.seq + 1000 } });
    const synced = await b.log.waitFor('synced');
    assert.equal(synced.args[0]?.lastSeqs?.[dm.id], first.seq, JSON.stringify(synced.args[0]));
    const next = await postMessage(server.url, alice.token, dm.id, 'after a too-high lastSeq');
    assert.equal(next.seq, first.seq + 1);
    await b.log.waitFor('message', (m) => m.id === next.id, { what: 'a new message after a too-high lastSeq' });
  });

  test('lastSeqs naming a room of others, or no room at all, delivers nothing of it', async () => {
    const secret = await createRoom(server.url, carol.token, 'carol only');
    await postMany(server.url, carol.token, secret.id, 3, 'secret');
    const bogus = '00000000-0000-4000-8000-000000000000';
    const b = await sockets.connect(server.url, {
      token: bob.token,
      lastSeqs: { [secret.id]: 0, [bogus]: 0, 'not-a-room': 0 },
    });
    const synced = await b.log.waitFor('synced');
    assert.equal(synced.args[0]?.lastSeqs?.[secret.id], undefined, JSON.stringify(synced.args[0]));
    // And over sync on the open socket.
    assert.deepEqual(await ack(b, 'sync', { lastSeqs: { [secret.id]: 0 } }), { ok: true });
    await b.log.waitFor('synced', undefined, { from: synced.at + 1 });
    // Barrier: a message in the secret room and then one in the DM; Bob gets only the DM's.
    await postMessage(server.url, carol.token, secret.id, 'still secret');
    const live = await postMessage(server.url, alice.token, dm.id, 'for bob');
    await b.log.waitFor('message', (m) => m.id === live.id);
    const leaked = b.log.all(null, (x) => x?.roomId === secret.id || x?.id === secret.id);
    assert.deepEqual(leaked.map((e) => [e.event, e.args[0]]), [], 'events of a room Bob is not in');
    assert.equal(b.connected, true);
  });

  test('lastSeqs of a room I left brings nothing of it, before or after the leave', async () => {
    const ex = await createRoom(server.url, alice.token, 'bob leaves', [bob.user.id]);
    await postMany(server.url, alice.token, ex.id, 3, 'while bob was in');
    const left = await api(server.url, 'DELETE', `/api/room/${ex.id}/members/me`, { token: bob.token });
    assert.equal(left.status, 204, left.text);
    await postMessage(server.url, alice.token, ex.id, 'after bob left');
    const b = await sockets.connect(server.url, { token: bob.token, lastSeqs: { [ex.id]: 0, [dm.id]: 0 } });
    const synced = await b.log.waitFor('synced');
    assert.equal(synced.args[0]?.lastSeqs?.[ex.id], undefined, JSON.stringify(synced.args[0]));
    assert.ok(b.log.messages(dm.id).length > 0, 'the DM was replayed');
    assert.deepEqual(await ack(b, 'sync', { lastSeqs: { [ex.id]: 0 } }), { ok: true });
    await b.log.waitFor('synced', undefined, { from: synced.at + 1 });
    const live = await postMessage(server.url, alice.token, dm.id, 'barrier');
    await b.log.waitFor('message', (m) => m.id === live.id);
    const leaked = b.log.all(null, (x) => x?.roomId === ex.id || x?.id === ex.id);
    assert.deepEqual(leaked.map((e) => [e.event, e.args[0]]), [], 'events of a room Bob left');
  });
});

describe('realtime recovery after a server restart', () => {
  test('a client that reconnects to the restarted server gets what it missed before the restart', async () => {
    let server = await startServer();
    const sockets = [];
    try {
      const alice = await newUser(server.url, { tag: 'alice' });
      const bob = await newUser(server.url, { tag: 'bob' });
      const res = await api(server.url, 'POST', `/api/dm/${bob.user.id}`, { token: alice.token });
      const dm = res.json;
      const b = await connectSocket(server.url, { token: bob.token });
      sockets.push(b);
      const seen = await postMessage(server.url, alice.token, dm.id, 'seen live');
      await b.log.waitFor('message', (m) => m.id === seen.id);
      await closeSocket(b);
      const missed = await postMany(server.url, alice.token, dm.id, 20, 'before the restart');

      await server.stop();
      server = await startServer({ dataDir: server.dataDir });

      // The token survives the restart (sessions are stored).
      const b2 = await connectSocket(server.url, { token: bob.token, lastSeqs: { [dm.id]: seen.seq } });
      sockets.push(b2);
      const synced = await b2.log.waitFor('synced');
      assert.deepEqual(seqsBetween(b2.log, dm.id, 0, synced.at), missed.map((m) => m.seq));
      await closeSocket(b2);
    } finally {
      for (const s of sockets) s.close();
      await server.stop();
      await server.remove_data();
    }
  });
});
