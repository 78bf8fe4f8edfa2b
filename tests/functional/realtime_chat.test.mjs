// Chat over sockets: who gets what. Room isolation (a DM stays between its two members), every tab and
// device of a user, HTTP posts on sockets, acks after durability, typing, presence, invites and leaving,
// read positions, profile changes, and bad events answered with an error ack on a socket that stays open.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { api, login, mapConcurrent, newUser, useServer } from './lib/server.mjs';
import { createRoom, history, postMessage } from './lib/chat.mjs';
import { ack, aliceBobCarol, closeSocket, connectSocket, sendMessage, useSockets, waitForWebSocket } from './lib/realtime.mjs';

// Per socket and room, the seqs of the messages it got must go up by exactly one (no gap, no duplicate,
// in order).
function assertDenseSeqs(log, label) {
  const by_room = new Map();
  for (const e of log.all('message')) {
    const m = e.args[0];
    if (!by_room.has(m.roomId)) by_room.set(m.roomId, []);
    by_room.get(m.roomId).push(m.seq);
  }
  for (const [room_id, seqs] of by_room) {
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1, `${label}: room ${room_id} got seqs ${seqs.join(',')}`);
    }
  }
}

describe('realtime chat', () => {
  const server = useServer();
  const sockets = useSockets();
  // Every socket any test opened, with a label: the last tests check them all.
  const every_log = [];
  let alice;
  let bob;
  let carol;
  let dm; // alice + bob
  let group; // alice + bob + carol
  let carol_watch; // a socket of Carol open for the whole suite

  async function open(user, label, options = {}) {
    const socket = await sockets.connect(server.url, { token: user.token, ...options });
    every_log.push({ label, user, log: socket.log });
    return socket;
  }

  before(async () => {
    ({ alice, bob, carol, dm, group } = await aliceBobCarol(server.url, 'three of us'));
    // Not tracked by useSockets: stays open across tests; closed by the last test.
    carol_watch = await connectSocket(server.url, { token: carol.token });
    every_log.push({ label: 'carol (whole suite)', user: carol, log: carol_watch.log });
  });
  after(() => carol_watch?.close());

  test('a DM message reaches both members, a group message all three', async () => {
    const a = await open(alice, 'alice');
    const b = await open(bob, 'bob');
    const c = await open(carol, 'carol');

    const in_dm = await sendMessage(a, dm.id, 'just between us');
    for (const s of [a, b]) {
      const e = await s.log.waitFor('message', (m) => m.id === in_dm.id);
      assert.equal(e.args[0].message, 'just between us');
      assert.deepEqual(e.args[0].author, { id: alice.user.id, displayName: 'Alice', avatarUrl: null });
    }

    const in_group = await sendMessage(b, group.id, 'hello all');
    for (const s of [a, b, c, carol_watch]) {
      const e = await s.log.waitFor('message', (m) => m.id === in_group.id);
      assert.equal(e.args[0].roomId, group.id);
      assert.equal(e.args[0].author.displayName, 'Bob');
    }
  });

  test('every tab and every device of a user gets each message, once', async () => {
    const tab1 = await open(alice, 'alice tab 1');
    const tab2 = await open(alice, 'alice tab 2');
    const phone_session = await login(server.url, alice.email, alice.password);
    assert.notEqual(phone_session.token, alice.token);
    const phone = await open({ ...alice, token: phone_session.token }, 'alice phone', { transports: ['websocket'] });
    const b1 = await open(bob, 'bob tab 1', { transports: ['polling'] });
    const b2 = await open(bob, 'bob tab 2');

    const sent = [];
    sent.push(await sendMessage(b1, dm.id, 'to every tab 1'));
    sent.push(await sendMessage(tab2, dm.id, 'to every tab 2'));
    sent.push(await sendMessage(phone, dm.id, 'to every tab 3'));
    for (const s of [tab1, tab2, phone, b1, b2]) {
      for (const m of sent) await s.log.waitFor('message', (x) => x.id === m.id, { what: m.message });
    }
    // Once each: a barrier message, then count.
    const barrier = await sendMessage(b2, dm.id, 'barrier');
    for (const s of [tab1, tab2, phone, b1, b2]) {
      await s.log.waitFor('message', (x) => x.id === barrier.id);
      for (const m of sent) assert.equal(s.log.all('message', (x) => x.id === m.id).length, 1, `${m.message} once`);
    }
  });

  test('a message POSTed over HTTP arrives on the sockets of the room', async () => {
    const a = await open(alice, 'alice');
    const b = await open(bob, 'bob', { transports: ['polling'] });
    const c = await open(carol, 'carol');
    const posted = await postMessage(server.url, bob.token, group.id, 'posted over HTTP', 'http-1');
    for (const s of [a, b, c]) {
      const e = await s.log.waitFor('message', (m) => m.id === posted.id);
      const m = e.args[0];
      assert.equal(m.seq, posted.seq);
      assert.equal(m.message, 'posted over HTTP');
      assert.equal(m.clientMsgId, 'http-1');
      assert.equal(m.userId, bob.user.id);
      assert.equal(m.createdAt, posted.createdAt);
      assert.deepEqual(m.author, { id: bob.user.id, displayName: 'Bob', avatarUrl: null });
    }
  });

  test('a socket gets the messages posted right after its connect', async () => {
    // The socket is in its rooms once "connect" fires: a message committed after that must reach it.
    for (let i = 0; i < 10; i++) {
      const b = await open(bob, `bob fresh ${i}`, i % 2 ? { transports: ['websocket'] } : {});
      const posted = await postMessage(server.url, alice.token, dm.id, `right after connect ${i}`);
      await b.log.waitFor('message', (m) => m.id === posted.id, { what: `message ${posted.seq} on fresh socket ${i}` });
      await closeSocket(b);
    }
  });

  test('the ack arrives once the message is durable: it has id and seq, and the history has it', async () => {
    const a = await open(alice, 'alice');
    let last_seq = 0;
    for (let i = 0; i < 5; i++) {
      const clientMsgId = `durable-${i}`;
      const reply = await ack(a, 'message', { roomId: dm.id, message: `durable ${i}`, clientMsgId });
      assert.equal(typeof reply.id, 'string', JSON.stringify(reply));
      assert.equal(typeof reply.seq, 'number', JSON.stringify(reply));
      assert.ok(reply.seq > last_seq);
      last_seq = reply.seq;
      assert.equal(reply.clientMsgId, clientMsgId);
      assert.equal(reply.userId, alice.user.id);
      // Right after the ack, over HTTP, from the other member.
      const page = await history(server.url, bob.token, dm.id, { limit: 5 });
      const found = page.messages.find((m) => m.id === reply.id);
      assert.ok(found, `message ${reply.id} (seq ${reply.seq}) acked but not in the history`);
      assert.equal(found.seq, reply.seq);
      assert.equal(found.message, `durable ${i}`);
    }

    // A repeated clientMsgId acks the earlier message, and is not delivered again.
    const b = await open(bob, 'bob');
    const first = await sendMessage(a, dm.id, 'only once', 'dup-1');
    const again = await ack(a, 'message', { roomId: dm.id, message: 'only once', clientMsgId: 'dup-1' });
    assert.equal(again.id, first.id);
    assert.equal(again.seq, first.seq);
    const barrier = await sendMessage(a, dm.id, 'after the repeat');
    assert.equal(barrier.seq, first.seq + 1);
    await b.log.waitFor('message', (m) => m.id === barrier.id);
    assert.equal(b.log.all('message', (m) => m.clientMsgId === 'dup-1').length, 1);

    // The history event returns the same.
    const page = await ack(b, 'history', { roomId: dm.id, limit: 2 });
    assert.deepEqual(page.messages.map((m) => m.id), [barrier.id, first.id]);
    assert.equal(page.hasMore, true);
    const older = await ack(b, 'history', { roomId: dm.id, before: first.seq, limit: 1 });
    assert.equal(older.messages.length, 1);
    assert.equal(older.messages[0].seq, first.seq - 1);
  });

  test('typing reaches the other members but not my other tabs', async () => {
    const tab1 = await open(alice, 'alice tab 1');
    const tab2 = await open(alice, 'alice tab 2');
    const b = await open(bob, 'bob');
    const c = await open(carol, 'carol');
    const start = { tab1: tab1.log.length, tab2: tab2.log.length, c: c.log.length };

    assert.deepEqual(await ack(tab1, 'typing', { roomId: dm.id }), { ok: true });
    const e = await b.log.waitFor('typing', (t) => t.roomId === dm.id);
    assert.deepEqual(e.args[0], { roomId: dm.id, userId: alice.user.id });

    assert.deepEqual(await ack(tab1, 'typing', { roomId: group.id }), { ok: true });
    await b.log.waitFor('typing', (t) => t.roomId === group.id);
    const ct = await c.log.waitFor('typing', (t) => t.roomId === group.id);
    assert.deepEqual(ct.args[0], { roomId: group.id, userId: alice.user.id });

    // Barrier: a message in each room after the typing; anything of the typing would have come first.
    const m1 = await sendMessage(b, dm.id, 'after typing (dm)');
    const m2 = await sendMessage(b, group.id, 'after typing (group)');
    for (const s of [tab1, tab2]) {
      await s.log.waitFor('message', (m) => m.id === m1.id);
      await s.log.waitFor('message', (m) => m.id === m2.id);
    }
    await c.log.waitFor('message', (m) => m.id === m2.id);
    assert.deepEqual(tab1.log.all('typing', undefined, start.tab1), [], 'typing echoed to the typing tab');
    assert.deepEqual(tab2.log.all('typing', undefined, start.tab2), [], "typing echoed to the typist's other tab");
    assert.equal(c.log.all('typing', (t) => t.roomId === dm.id, start.c).length, 0, 'typing of a DM reached an outsider');
  });

  test('read positions reach the members, from the socket event and from HTTP', async () => {
    const a = await open(alice, 'alice');
    const b = await open(bob, 'bob');
    const m = await sendMessage(b, dm.id, 'please read');
    const reply = await ack(a, 'read', { roomId: dm.id, seq: m.seq });
    assert.deepEqual(reply, { roomId: dm.id, lastReadSeq: m.seq });
    const e = await b.log.waitFor('read', (r) => r.roomId === dm.id && r.userId === alice.user.id);
    assert.deepEqual(e.args[0], { roomId: dm.id, userId: alice.user.id, seq: m.seq });

    const g = await sendMessage(a, group.id, 'group, please read');
    const res = await api(server.url, 'POST', `/api/room/${group.id}/read`, { token: bob.token, body: { seq: g.seq } });
    assert.equal(res.status, 200, res.text);
    for (const s of [a, carol_watch]) {
      const r = await s.log.waitFor('read', (x) => x.roomId === group.id && x.userId === bob.user.id && x.seq === g.seq);
      assert.deepEqual(r.args[0], { roomId: group.id, userId: bob.user.id, seq: g.seq });
    }

    // Reads only move forward.
    const back = await ack(a, 'read', { roomId: dm.id, seq: 1 });
    assert.deepEqual(back, { roomId: dm.id, lastReadSeq: m.seq });
  });

  test('a co-member changing their profile sends a user event', async () => {
    const a = await open(alice, 'alice');
    const res = await api(server.url, 'PATCH', '/api/me', { token: carol.token, body: { displayName: 'Carol K' } });
    assert.equal(res.status, 200, res.text);
    const e = await a.log.waitFor('user', (u) => u.id === carol.user.id);
    const u = e.args[0];
    assert.equal(u.displayName, 'Carol K');
    assert.equal(u.avatarUrl, null);
    assert.equal(u.email, undefined, 'a user event carries the email to others');
    const m = await sendMessage(await open(carol, 'carol'), group.id, 'new name');
    const got = await a.log.waitFor('message', (x) => x.id === m.id);
    assert.equal(got.args[0].author.displayName, 'Carol K');
  });

  test('a new room and a new DM arrive as room events on the members\' sockets', async () => {
    const b1 = await open(bob, 'bob 1');
    const b2 = await open(bob, 'bob 2', { transports: ['polling'] });
    const dave = await newUser(server.url, { tag: 'dave', displayName: 'Dave' });
    const d = await open(dave, 'dave');
    const team = await createRoom(server.url, dave.token, 'dave and bob', [bob.user.id]);
    for (const s of [b1, b2, d]) {
      const e = await s.log.waitFor('room', (r) => r.id === team.id);
      assert.equal(e.args[0].title, 'dave and bob');
      assert.deepEqual(e.args[0].members.map((m) => m.id).sort(), [bob.user.id, dave.user.id].sort());
    }
    const res = await api(server.url, 'POST', `/api/dm/${bob.user.id}`, { token: dave.token });
    assert.equal(res.status, 201, res.text);
    for (const s of [b1, b2]) {
      const e = await s.log.waitFor('room', (r) => r.id === res.json.id);
      assert.equal(e.args[0].kind, res.json.kind);
    }
    // And the new rooms' messages follow, on every socket of both.
    const m1 = await sendMessage(d, team.id, 'in the new group');
    const m2 = await sendMessage(d, res.json.id, 'in the new dm');
    for (const s of [b1, b2, d]) {
      await s.log.waitFor('message', (m) => m.id === m1.id);
      await s.log.waitFor('message', (m) => m.id === m2.id);
    }
  });

  test('an invite brings all of the invitee\'s sockets into the room; leaving takes them all out', async () => {
    const a = await open(alice, 'alice');
    const b = await open(bob, 'bob');
    const c1 = await open(carol, 'carol tab 1');
    const c2 = await open(carol, 'carol tab 2', { transports: ['polling'] });
    const club = await createRoom(server.url, alice.token, 'the club', [bob.user.id]);
    const before_invite = await sendMessage(a, club.id, 'before carol came');

    const res = await api(server.url, 'POST', `/api/room/${club.id}/members`, { token: alice.token, body: { userId: carol.user.id } });
    assert.equal(res.status, 200, res.text);
    // Posted as soon as the invite is answered, before anyone has seen the room event.
    const right_after = await postMessage(server.url, bob.token, club.id, 'right after the invite');
    for (const s of [c1, c2, carol_watch]) {
      const e = await s.log.waitFor('room', (r) => r.id === club.id);
      assert.ok(e.args[0].members.some((m) => m.id === carol.user.id), 'the room event lists the invitee');
    }
    const joined = await b.log.waitFor('member', (m) => m.roomId === club.id && m.action === 'join' && m.userId === carol.user.id);
    assert.equal(joined.args[0].member?.id, carol.user.id);
    assert.equal(joined.args[0].member?.displayName, 'Carol K');
    assert.equal(joined.args[0].member?.role, 'member');

    const welcome = await sendMessage(a, club.id, 'welcome carol');
    for (const s of [c1, c2, carol_watch]) {
      await s.log.waitFor('message', (m) => m.id === right_after.id, { what: 'the message posted right after the invite' });
      const room_event = s.log.all('room', (r) => r.id === club.id)[0];
      const e = await s.log.waitFor('message', (m) => m.id === welcome.id);
      assert.ok(e.at > room_event.at, 'the message came before the room event');
      assert.equal(s.log.all('message', (m) => m.id === before_invite.id).length, 0, 'an earlier message was pushed');
    }
    // Carol may post there now, and the others see it.
    const hi = await sendMessage(c2, club.id, 'hi, thanks');
    await a.log.waitFor('message', (m) => m.id === hi.id);

    const left = await api(server.url, 'DELETE', `/api/room/${club.id}/members/me`, { token: carol.token });
    assert.equal(left.status, 204, left.text);
    const leave_at = new Map();
    for (const s of [c1, c2, carol_watch]) {
      const e = await s.log.waitFor('member', (m) => m.roomId === club.id && m.action === 'leave');
      assert.equal(e.args[0].userId, carol.user.id);
      leave_at.set(s, e.at);
    }
    await a.log.waitFor('member', (m) => m.roomId === club.id && m.action === 'leave' && m.userId === carol.user.id);

    // After the leave: messages and typing in the club, then a barrier in a room Carol is still in.
    const after1 = await sendMessage(a, club.id, 'carol is gone');
    await postMessage(server.url, bob.token, club.id, 'talking behind her back');
    assert.deepEqual(await ack(b, 'typing', { roomId: club.id }), { ok: true });
    await ack(a, 'read', { roomId: club.id, seq: after1.seq });
    await b.log.waitFor('message', (m) => m.id === after1.id);
    const barrier = await sendMessage(a, group.id, 'carol, still here?');
    for (const s of [c1, c2, carol_watch]) {
      await s.log.waitFor('message', (m) => m.id === barrier.id);
      const leaked = s.log.all(null, (x) => x?.roomId === club.id || x?.id === club.id, leave_at.get(s) + 1);
      assert.deepEqual(leaked.map((e) => [e.event, e.args[0]]), [], 'the leaver got events of the room');
    }
    // And the socket API refuses her too.
    const refused = await ack(c1, 'message', { roomId: club.id, message: 'let me back' });
    assert.equal(refused.error?.code, 'forbidden', JSON.stringify(refused));
  });

  // Presence events: {online: [ids], offline: [ids]}, gathered per room over a short window; on connect, one
  // {online, offline: [], snapshot: true} listing the co-members online. A message is no barrier for them
  // (they come in windows): a later presence change seen by the same socket is.
  const says = (p, who, online) => (online ? p?.online : p?.offline)?.includes(who.user.id) === true;
  const presenceOf = (log, who, online, from = 0) => log.all('presence', (p) => says(p, who, online), from).length;

  test('presence: online when the first socket connects, offline only after the last one closes', async () => {
    // Fresh users, so no socket of earlier tests is still counted.
    const pa = await newUser(server.url, { tag: 'pa', displayName: 'Pa' });
    const pb = await newUser(server.url, { tag: 'pb', displayName: 'Pb' });
    const pc = await newUser(server.url, { tag: 'pc', displayName: 'Pc' });
    const pd = await newUser(server.url, { tag: 'pd', displayName: 'Pd' }); // shares no room with pb
    const pe = await newUser(server.url, { tag: 'pe', displayName: 'Pe' }); // pb's marker: shares a room with pb only
    const trio = await createRoom(server.url, pa.token, 'presence', [pb.user.id, pc.user.id]);
    await createRoom(server.url, pe.token, 'marker', [pb.user.id]);

    const c = await open(pc, 'pc');
    const d = await open(pd, 'pd');
    const b = await open(pb, 'pb');
    // On pb's connect: one snapshot with the online co-members: pc, not pa (offline) nor pd (no shared room).
    const snapshot = await b.log.waitFor('presence', (p) => p.snapshot === true);
    assert.deepEqual(snapshot.args[0], { online: [pc.user.id], offline: [], snapshot: true });

    const a1 = await open(pa, 'pa 1');
    const on = await b.log.waitFor('presence', (p) => says(p, pa, true));
    assert.deepEqual(on.args[0], { online: [pa.user.id], offline: [] });
    await c.log.waitFor('presence', (p) => says(p, pa, true));
    // pa's own connect: one snapshot with pb and pc.
    const a_snapshot = await a1.log.waitFor('presence', (p) => p.snapshot === true);
    assert.deepEqual([...a_snapshot.args[0].online].sort(), [pb.user.id, pc.user.id].sort());

    const a2 = await open(pa, 'pa 2', { transports: ['websocket'] });
    const a3 = await open(pa, 'pa 3', { transports: ['polling'] });
    // A second login (another device) counts the same.
    await closeSocket(a1);
    await closeSocket(a2);
    // Barrier: pe comes and goes after those closes; no offline for pa may have reached pb before pe's offline.
    const e = await open(pe, 'pe');
    await b.log.waitFor('presence', (p) => says(p, pe, true));
    await closeSocket(e);
    await b.log.waitFor('presence', (p) => says(p, pe, false));
    assert.equal(presenceOf(b.log, pa, false), 0, 'pa went offline while a socket of pa was still connected');
    assert.equal(presenceOf(b.log, pa, true), 1, "pa's second and third sockets announced pa online again");

    await closeSocket(a3);
    const off = await b.log.waitFor('presence', (p) => says(p, pa, false));
    assert.deepEqual(off.args[0], { online: [], offline: [pa.user.id] });
    await c.log.waitFor('presence', (p) => says(p, pa, false));

    // pb never heard of pd, and pd never heard of anyone.
    assert.equal(presenceOf(b.log, pd, true) + presenceOf(b.log, pd, false), 0);
    assert.deepEqual(d.log.all('presence'), []);
    // A late joiner sees pb and pc online, not pa.
    const late = await open(pa, 'pa 4');
    const late_snapshot = await late.log.waitFor('presence', (p) => p.snapshot === true);
    assert.deepEqual([...late_snapshot.args[0].online].sort(), [pb.user.id, pc.user.id].sort());
    assert.deepEqual(late.log.all('presence', (p) => p.offline.length > 0), []);
  });

  test('a co-member sharing three rooms with me: one presence per change, one user event per profile change', async () => {
    const qa = await newUser(server.url, { tag: 'multi-a' });
    const qb = await newUser(server.url, { tag: 'multi-b' });
    const dm_res = await api(server.url, 'POST', `/api/dm/${qb.user.id}`, { token: qa.token });
    assert.equal(dm_res.status, 201, dm_res.text);
    const rooms = [dm_res.json, await createRoom(server.url, qa.token, 'one', [qb.user.id]), await createRoom(server.url, qa.token, 'two', [qb.user.id])];
    const a = await open(qa, 'multi-a');
    const b = await open(qb, 'multi-b');
    // On b's connect: qa in its snapshot once (the contract's "each co-member online once"); a learns qb is online.
    await b.log.waitFor('presence', (p) => p.snapshot === true);
    await a.log.waitFor('presence', (p) => says(p, qb, true));
    // Barrier for the other events so far: a message in each shared room.
    const barrier = async (tag) => {
      for (const room of rooms) {
        const m = await postMessage(server.url, qb.token, room.id, `${tag} in ${room.id}`);
        await a.log.waitFor('message', (x) => x.id === m.id);
        await b.log.waitFor('message', (x) => x.id === m.id);
      }
    };
    await barrier('after connect');

    const res = await api(server.url, 'PATCH', '/api/me', { token: qb.token, body: { displayName: 'Multi B' } });
    assert.equal(res.status, 200, res.text);
    await barrier('after the profile change');
    const counts = { 'user event': a.log.all('user', (u) => u.id === qb.user.id).length };

    await closeSocket(b);
    await a.log.waitFor('presence', (p) => says(p, qb, false));
    // The marker for anything more about qb: another co-member of qa coming online, in a later window.
    const other = await newUser(server.url, { tag: 'multi-marker' });
    await createRoom(server.url, other.token, 'marker', [qa.user.id]);
    const m = await open(other, 'multi-marker');
    await a.log.waitFor('presence', (p) => p.online?.includes(other.user.id));
    await closeSocket(m);
    counts['presence on connect'] = presenceOf(b.log, qa, true);
    counts['came online'] = presenceOf(a.log, qb, true);
    counts['went offline'] = presenceOf(a.log, qb, false);
    assert.deepEqual(counts, { 'presence on connect': 1, 'came online': 1, 'user event': 1, 'went offline': 1 },
      'events per change of a co-member who shares three rooms');
  });

  test('presence: a connection dropped without a goodbye goes offline too', async () => {
    const pa = await newUser(server.url, { tag: 'drop-a' });
    const pb = await newUser(server.url, { tag: 'drop-b' });
    await createRoom(server.url, pa.token, 'drop', [pb.user.id]);
    const b = await open(pb, 'drop-b');
    for (const transports of [['websocket'], ['polling', 'websocket']]) {
      const from = b.log.length;
      const a = await open(pa, 'drop-a', { transports });
      await b.log.waitFor('presence', (p) => says(p, pa, true), { from });
      if (transports.length > 1) await waitForWebSocket(a);
      // Cut the TCP connection under the client: no DISCONNECT packet, no WebSocket close frame.
      a.io.engine.transport.ws._socket.destroy();
      const off = await b.log.waitFor('presence', (p) => says(p, pa, false), { from });
      assert.deepEqual(off.args[0], { online: [], offline: [pa.user.id] });
    }
  });

  test('logging out ends what the sockets of that session may do', async () => {
    // README: DELETE /api/session logs out and "the token stops working". A socket that authenticated
    // with that token must not go on posting as the user (it may be disconnected, or its events refused).
    // The server ends those sockets asynchronously: an event sent the moment the log out is answered must be
    // refused even if it arrives before the disconnect. Several sockets, on every transport, widen that window.
    const phone = await login(server.url, alice.email, alice.password);
    const sockets = [];
    for (const transports of [['websocket'], ['polling'], ['polling', 'websocket'], ['websocket']])
      sockets.push(await open({ ...alice, token: phone.token }, 'alice, logging out', { transports }));
    const other = await open(alice, 'alice, another session');
    const out = await api(server.url, 'DELETE', '/api/session', { token: phone.token });
    assert.equal(out.status, 204);

    const replies = await Promise.all(sockets.map((socket, i) =>
      ack(socket, 'message', { roomId: dm.id, message: 'posted after logout', clientMsgId: `after-logout-${i}` })
        .catch((err) => ({ transport_error: err.message }))));
    const page = await history(server.url, alice.token, dm.id, { limit: 10 });
    assert.deepEqual(page.messages.filter((m) => m.clientMsgId?.startsWith('after-logout')), [],
      `a socket of a logged-out session posted a message (acks: ${JSON.stringify(replies)})`);
    for (const reply of replies) {
      assert.ok(reply.transport_error || reply.error?.code === 'unauthorized', JSON.stringify(reply));
    }
    // The other session of the same user is not affected.
    await sendMessage(other, dm.id, 'the other session still works');
  });

  test('with concurrent senders on every transport, every socket gets every message in seq order, once', async () => {
    const users = [alice, bob, carol];
    const senders = [];
    const watchers = [];
    for (const [i, user] of users.entries()) {
      senders.push(await open(user, `${user.user.displayName} sender`, { transports: [['websocket'], ['polling'], ['polling', 'websocket']][i] }));
      watchers.push(await open(user, `${user.user.displayName} watcher`, { transports: [['polling'], ['websocket'], ['polling', 'websocket']][i] }));
    }
    const per_sender = 40;
    const acks = await Promise.all(senders.flatMap((socket, i) => Array.from({ length: per_sender }, (_, k) =>
      ack(socket, 'message', { roomId: group.id, message: `burst ${i}.${k}`, clientMsgId: `burst-${i}-${k}` }, 15_000))));
    for (const reply of acks) assert.equal(typeof reply.seq, 'number', JSON.stringify(reply));
    const seqs = acks.map((r) => r.seq).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0] + i), 'the acked seqs are dense');
    // HTTP posts at the same time as well.
    const posted = await mapConcurrent(Array.from({ length: 30 }, (_, i) => i), 6, (i) => postMessage(server.url, carol.token, group.id, `http burst ${i}`));
    const last = Math.max(seqs.at(-1), ...posted.map((m) => m.seq));
    for (const s of [...senders, ...watchers, carol_watch]) {
      await s.log.waitFor('message', (m) => m.roomId === group.id && m.seq === last, { timeout: 15_000, what: `seq ${last}` });
      const got = s.log.messages(group.id).map((m) => m.seq).filter((q) => q >= seqs[0]);
      assert.deepEqual(got, Array.from({ length: last - seqs[0] + 1 }, (_, i) => seqs[0] + i));
    }
  });

  test('bad events get an error ack, and the socket stays connected', async () => {
    const a = await open(alice, 'alice');
    const outsider = await newUser(server.url, { tag: 'outsider' });
    const theirs = await createRoom(server.url, outsider.token, 'not yours');
    const unknown_room = '00000000-0000-4000-8000-000000000000';

    const cases = [
      ['message', { message: 'no room' }, null],
      ['message', { roomId: dm.id }, null],
      ['message', { roomId: 42, message: 'number room' }, null],
      ['message', { roomId: theirs.id, message: 'not a member' }, 'forbidden'],
      ['message', { roomId: unknown_room, message: 'no such room' }, 'not_found'],
      ['message', { roomId: 'not-a-uuid', message: 'no such room' }, 'not_found'],
      ['message', { roomId: dm.id, message: 'x'.repeat(4001) }, 'invalid_message'],
      ['message', { roomId: dm.id, message: '   ' }, 'invalid_message'],
      ['message', 'a string, not an object', null],
      ['message', { roomId: dm.id, message: Buffer.from('binary') }, 'invalid_field'],
      ['message', { roomId: dm.id, message: 'x', clientMsgId: 5 }, 'invalid_field'],
      ['message', { roomId: dm.id, message: 'x', clientMsgId: 'c'.repeat(10_000) }, null],
      ['message', { roomId: dm.id, message: 'nul \u0000 inside' }, 'invalid_message'],
      ['message', [dm.id, 'array'], null],
      ['history', { roomId: theirs.id }, 'forbidden'],
      ['history', { roomId: dm.id, limit: 0 }, null],
      ['history', { roomId: dm.id, limit: 1000 }, null],
      ['history', { roomId: dm.id, before: 'soon' }, null],
      ['typing', { roomId: theirs.id }, 'forbidden'],
      ['read', { roomId: dm.id }, null],
      ['read', { roomId: theirs.id, seq: 1 }, 'forbidden'],
      ['sync', { lastSeqs: 'nope' }, null],
      ['no-such-event', { roomId: dm.id }, 'unknown_event'],
    ];
    for (const [event, payload, code] of cases) {
      const reply = await ack(a, event, payload);
      const label = `${event} ${JSON.stringify(payload).slice(0, 80)} -> ${JSON.stringify(reply)}`;
      assert.ok(reply && typeof reply.error === 'object', label);
      assert.equal(typeof reply.error.code, 'string', label);
      assert.equal(typeof reply.error.message, 'string', label);
      if (code) assert.equal(reply.error.code, code, label);
    }
    // An event with no argument at all, and one without an ack callback.
    const bare = await a.timeout(5000).emitWithAck('message');
    assert.equal(typeof bare?.error?.code, 'string', JSON.stringify(bare));
    a.emit('message', { roomId: theirs.id, message: 'no ack wanted' });
    a.emit('no-such-event');

    assert.equal(a.connected, true);
    assert.deepEqual(a.log.all('disconnect'), []);
    const ok = await sendMessage(a, dm.id, 'still connected after the bad events');
    assert.equal(ok.message, 'still connected after the bad events');
    // Nothing of the refused message reached the outsider's room.
    const page = await history(server.url, outsider.token, theirs.id);
    assert.deepEqual(page.messages, []);
  });

  test('Carol never received anything of the DM; every socket got its rooms\' seqs in order, once', async () => {
    // A last barrier for Carol's long-lived socket.
    const barrier = await sendMessage(await open(alice, 'alice'), group.id, 'last call');
    await carol_watch.log.waitFor('message', (m) => m.id === barrier.id);
    for (const { label, user, log } of every_log) {
      if (user.user.id === carol.user.id) {
        const leaked = log.all(null, (x) => x?.roomId === dm.id || x?.id === dm.id);
        assert.deepEqual(leaked.map((e) => [e.event, e.args[0]]), [], `${label} got events of the DM`);
      }
      assertDenseSeqs(log, label);
    }
    // Carol's long-lived socket saw the whole suite's group traffic.
    assert.ok(carol_watch.log.messages(group.id).length >= 5);
    await closeSocket(carol_watch);
  });
});

describe('realtime chat when a login session runs out (--session-lifetime 5)', () => {
  const server = useServer({ args: ['--session-lifetime', '5'] });
  const sockets = useSockets();

  test('its socket\'s events are refused with unauthorized and the socket is disconnected; its token gets 401', async () => {
    const alice = await newUser(server.url, { tag: 'expiring-a' });
    const bob = await newUser(server.url, { tag: 'expiring-b' });
    const room = await createRoom(server.url, bob.token, 'expiring', [alice.user.id]);
    // A fresh login just before the socket, so that the 5 s leave room to chat first even on a slow machine.
    const session = await login(server.url, alice.email, alice.password);
    const logged_in = Date.now();  // the server stored the session before it answered: it ends by logged_in + 5 s
    const a = await sockets.connect(server.url, { token: session.token });
    await sendMessage(a, room.id, 'while the session lasts');

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, logged_in + 5_000 + 200 - Date.now())));
    const reply = await ack(a, 'message', { roomId: room.id, message: 'after it ran out', clientMsgId: 'expired' })
      .catch((err) => ({ transport_error: err.message }));
    assert.ok(reply.transport_error || reply.error?.code === 'unauthorized', JSON.stringify(reply));
    await a.log.waitFor('disconnect', () => true);
    const bob_again = await login(server.url, bob.email, bob.password);  // Bob's first login ran out too
    const page = await history(server.url, bob_again.token, room.id, { limit: 10 });
    assert.deepEqual(page.messages.map((m) => m.message), ['while the session lasts']);
    assert.equal((await api(server.url, 'GET', '/api/me', { token: session.token })).status, 401);
  });
});
