// Authorization: members only, sessions required, and ids in request bodies never trusted.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertError, newUser, useServer } from './lib/server.mjs';
import { createRoom, myRooms, postMessage } from './lib/chat.mjs';

const fake_id = '11111111-1111-4111-8111-111111111111';

describe('authorization', { timeout: 60_000 }, () => {
  const srv = useServer();
  let a;
  let b;
  let c;
  let room;
  let dm;
  const secret = `the secret of a and b ${Date.now()}`;
  before(async () => {
    a = await newUser(srv.url, { tag: 'authz-a', displayName: 'Authz A' });
    b = await newUser(srv.url, { tag: 'authz-b', displayName: 'Authz B' });
    c = await newUser(srv.url, { tag: 'authz-c', displayName: 'Authz C' });
    room = await createRoom(srv.url, a.token, 'A and B only', [b.user.id]);
    await postMessage(srv.url, b.token, room.id, secret);
    const res = await api(srv.url, 'POST', `/api/dm/${b.user.id}`, { token: a.token });
    assert.equal(res.status, 201, res.text);
    dm = res.json;
    await postMessage(srv.url, a.token, dm.id, secret);
  });

  it('a non-member cannot read, post to, invite into or list a group room', async () => {
    assertError(await api(srv.url, 'GET', `/api/room/${room.id}`, { token: c.token }), 403, 'forbidden');
    assertError(await api(srv.url, 'GET', `/api/room/${room.id}/chat`, { token: c.token }), 403, 'forbidden');
    assertError(await api(srv.url, 'POST', `/api/chat/${room.id}`, { token: c.token, body: { message: 'hi' } }),
      403, 'forbidden');
    assertError(await api(srv.url, 'POST', `/api/room/${room.id}/members`, { token: c.token, body: { userId: c.user.id } }),
      403, 'forbidden');
    const rooms = await api(srv.url, 'GET', '/api/rooms', { token: c.token });
    assert.equal(rooms.status, 200);
    assert.ok(!rooms.json.rooms.some((r) => r.id === room.id), 'the room is in a non-member\'s list');
    // Nothing was posted by the refused attempts.
    const page = await api(srv.url, 'GET', `/api/room/${room.id}/chat`, { token: a.token });
    assert.deepEqual(page.json.messages.map((m) => m.message), [secret]);
  });

  it('C never sees the direct room of A and B', async () => {
    assertError(await api(srv.url, 'GET', `/api/room/${dm.id}`, { token: c.token }), 403, 'forbidden');
    assertError(await api(srv.url, 'GET', `/api/room/${dm.id}/chat`, { token: c.token }), 403, 'forbidden');
    assertError(await api(srv.url, 'POST', `/api/chat/${dm.id}`, { token: c.token, body: { message: 'psst' } }),
      403, 'forbidden');
    // C's own direct rooms with A and with B are other rooms.
    for (const other of [a, b]) {
      const mine = await api(srv.url, 'POST', `/api/dm/${other.user.id}`, { token: c.token });
      assert.equal(mine.status, 201, mine.text);
      assert.notEqual(mine.json.id, dm.id);
    }
    const listed = await api(srv.url, 'GET', '/api/rooms', { token: c.token });
    assert.ok(!listed.json.rooms.some((r) => r.id === dm.id), 'the A-B direct room is in C\'s list');
    assert.ok(!listed.text.includes(secret), 'a message of A and B reaches C\'s room list');
    for (const r of listed.json.rooms) {
      const page = await api(srv.url, 'GET', `/api/room/${r.id}/chat`, { token: c.token });
      assert.ok(!page.text.includes(secret), 'a message of A and B is in one of C\'s rooms');
    }
  });

  it('a message is stored as its sender\'s, whatever ids its body claims', async () => {
    const res = await api(srv.url, 'POST', `/api/chat/${room.id}`, {
      token: a.token,
      body: { message: 'who am I', userId: b.user.id, roomId: dm.id, id: fake_id, seq: 999, createdAt: 0 },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.userId, a.user.id);
    assert.equal(res.json.roomId, room.id);
    assert.notEqual(res.json.id, fake_id);
    assert.equal(res.json.seq, 2);
    assert.ok(res.json.createdAt !== 0);
    const dm_page = await api(srv.url, 'GET', `/api/room/${dm.id}/chat`, { token: a.token });
    assert.ok(!dm_page.text.includes('who am I'), 'the body\'s roomId was used');
  });

  it('a room is created by the session\'s user, whatever the body says about owners', async () => {
    const res = await api(srv.url, 'POST', '/api/room', {
      token: c.token,
      body: { title: 'Mine', createdBy: a.user.id, ownerId: a.user.id, userId: a.user.id, id: fake_id, kind: 'direct',
        members: [b.user.id] },
    });
    assert.equal(res.status, 201, res.text);
    assert.notEqual(res.json.id, fake_id);
    assert.equal(res.json.kind, 'group');
    const roles = Object.fromEntries(res.json.members.map((m) => [m.id, m.role]));
    assert.deepEqual(roles, { [c.user.id]: 'owner', [b.user.id]: 'member' });
  });

  it('PATCH /api/me changes only the session\'s user, whatever id or email the body holds', async () => {
    const res = await api(srv.url, 'PATCH', '/api/me', {
      token: c.token, body: { displayName: 'C renamed', id: b.user.id, userId: b.user.id, email: b.email },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, c.user.id);
    assert.equal(res.json.email, c.email);
    const b_now = await api(srv.url, 'GET', '/api/me', { token: b.token });
    assert.equal(b_now.json.displayName, 'Authz B');
    assert.equal(b_now.json.email, b.email);
  });

  it('leaving removes only the session\'s user', async () => {
    const shared = await createRoom(srv.url, a.token, 'Leave only me', [b.user.id, c.user.id]);
    const res = await api(srv.url, 'DELETE', `/api/room/${shared.id}/members/me`, { token: c.token, body: { userId: a.user.id } });
    assert.equal(res.status, 204, res.text);
    const after = await api(srv.url, 'GET', `/api/room/${shared.id}`, { token: a.token });
    assert.deepEqual(after.json.members.map((m) => m.id).sort(), [a.user.id, b.user.id].sort());
  });

  it('every endpoint behind a session is 401 unauthorized without one', async () => {
    const calls = [
      ['GET', '/api/me'],
      ['PATCH', '/api/me', { displayName: 'x' }],
      ['GET', '/api/users?query=a'],
      ['GET', `/api/users/${a.user.id}`],
      ['POST', '/api/room', { title: 'x' }],
      ['GET', '/api/rooms'],
      ['GET', `/api/room/${room.id}`],
      ['POST', `/api/room/${room.id}/members`, { userId: c.user.id }],
      ['DELETE', `/api/room/${room.id}/members/me`],
      ['POST', `/api/dm/${a.user.id}`],
      ['POST', `/api/chat/${room.id}`, { message: 'x' }],
      ['GET', `/api/room/${room.id}/chat`],
    ];
    for (const [method, path, body] of calls) {
      const res = await api(srv.url, method, path, { body });
      assertError(res, 401, 'unauthorized');
    }
    // And none of them changed anything.
    const members = await api(srv.url, 'GET', `/api/room/${room.id}`, { token: a.token });
    assert.deepEqual(members.json.members.map((m) => m.id).sort(), [a.user.id, b.user.id].sort());
    const rooms = await myRooms(srv.url, a.token);
    assert.ok(!rooms.some((r) => r.title === 'x'));
  });
});
