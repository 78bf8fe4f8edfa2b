// Rooms: group rooms, members (invite, leave), direct rooms, and the list of my rooms.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertError, newUser, toMillis, useServer } from './lib/server.mjs';
import { createRoom, myRooms, postMessage } from './lib/chat.mjs';

const uuid_re = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const unknown_id = '00000000-0000-4000-8000-000000000000';

// Waits until the local clock (the server's too: same machine) is past `timestamp`, so that the next
// event on the server gets a strictly later time and "most recent first" has a single right answer.
async function clockPast(timestamp) {
  const ms = toMillis(timestamp);
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}

function memberIds(room) {
  return room.members.map((m) => m.id).sort();
}

describe('rooms', { timeout: 60_000 }, () => {
  const srv = useServer();
  let a;
  let b;
  let c;
  let d;
  before(async () => {
    a = await newUser(srv.url, { tag: 'rooms-a', displayName: 'Rooms A' });
    b = await newUser(srv.url, { tag: 'rooms-b', displayName: 'Rooms B' });
    c = await newUser(srv.url, { tag: 'rooms-c', displayName: 'Rooms C' });
    d = await newUser(srv.url, { tag: 'rooms-d', displayName: 'Rooms D' });
  });

  describe('group rooms', () => {
    it('creating a room returns 201 with its members, the creator as owner', async () => {
      const res = await api(srv.url, 'POST', '/api/room',
        { token: a.token, body: { title: 'Design review', members: [b.user.id] } });
      assert.equal(res.status, 201, res.text);
      const room = res.json;
      assert.match(room.id, uuid_re);
      assert.equal(room.title, 'Design review');
      assert.equal(room.kind, 'group');
      toMillis(room.createdAt);
      assert.deepEqual(memberIds(room), [a.user.id, b.user.id].sort());
      const owner = room.members.find((m) => m.id === a.user.id);
      const member = room.members.find((m) => m.id === b.user.id);
      assert.equal(owner.role, 'owner');
      assert.equal(owner.displayName, 'Rooms A');
      assert.ok('avatarUrl' in owner);
      assert.equal(member.role, 'member');
      assert.equal(member.displayName, 'Rooms B');
    });

    it('a room with no members listed holds its creator alone', async () => {
      const room = await createRoom(srv.url, a.token, 'Alone');
      assert.deepEqual(room.members.map((m) => [m.id, m.role]), [[a.user.id, 'owner']]);
    });

    it('a missing, empty or blank title is 400 invalid_title', async () => {
      for (const body of [{}, { title: '' }, { title: '   ' }, { members: [b.user.id] }]) {
        assertError(await api(srv.url, 'POST', '/api/room', { token: a.token, body }), 400, 'invalid_title');
      }
    });

    it('an unknown member id is 400 unknown_user and creates no room', async () => {
      const title = `Ghost room ${Date.now()}`;
      const res = await api(srv.url, 'POST', '/api/room',
        { token: a.token, body: { title, members: [b.user.id, unknown_id] } });
      assertError(res, 400, 'unknown_user');
      const rooms = await myRooms(srv.url, a.token);
      assert.ok(!rooms.some((r) => r.title === title), 'a room was created anyway');
    });

    it('GET /api/room/{id} returns the room to a member', async () => {
      const room = await createRoom(srv.url, a.token, 'Readable', [b.user.id]);
      const res = await api(srv.url, 'GET', `/api/room/${room.id}`, { token: b.token });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, room.id);
      assert.equal(res.json.title, 'Readable');
      assert.equal(res.json.kind, 'group');
      assert.deepEqual(memberIds(res.json), memberIds(room));
    });

    it('GET /api/room/{id} is 403 forbidden for a non-member and 404 for unknown or malformed ids', async () => {
      const room = await createRoom(srv.url, a.token, 'Private', [b.user.id]);
      assertError(await api(srv.url, 'GET', `/api/room/${room.id}`, { token: c.token }), 403, 'forbidden');
      assertError(await api(srv.url, 'GET', `/api/room/${unknown_id}`, { token: a.token }), 404, 'not_found');
      for (const bad of ['not-a-uuid', '1', `${room.id}x`, "x'%20OR%201=1--"]) {
        assertError(await api(srv.url, 'GET', `/api/room/${bad}`, { token: a.token }), 404);
      }
    });
  });

  describe('members', () => {
    it('a member invites a user: 200 with the new member, who can then read the room and sees it listed', async () => {
      const room = await createRoom(srv.url, a.token, 'Invite here', [b.user.id]);
      // A plain member (b, not the owner) may invite too.
      const res = await api(srv.url, 'POST', `/api/room/${room.id}/members`, { token: b.token, body: { userId: c.user.id } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, room.id);
      assert.deepEqual(memberIds(res.json), [a.user.id, b.user.id, c.user.id].sort());
      assert.equal(res.json.members.find((m) => m.id === c.user.id).role, 'member');
      const read = await api(srv.url, 'GET', `/api/room/${room.id}`, { token: c.token });
      assert.equal(read.status, 200, read.text);
      assert.ok((await myRooms(srv.url, c.token)).some((r) => r.id === room.id));
    });

    it('inviting is 403 for a non-member and 404 for an unknown user', async () => {
      const room = await createRoom(srv.url, a.token, 'Closed', [b.user.id]);
      const self_invite = await api(srv.url, 'POST', `/api/room/${room.id}/members`,
        { token: d.token, body: { userId: d.user.id } });
      assertError(self_invite, 403, 'forbidden');
      const unknown = await api(srv.url, 'POST', `/api/room/${room.id}/members`,
        { token: a.token, body: { userId: unknown_id } });
      assertError(unknown, 404);
      const after = await api(srv.url, 'GET', `/api/room/${room.id}`, { token: a.token });
      assert.deepEqual(memberIds(after.json), [a.user.id, b.user.id].sort());
    });

    it('leaving is 204; then reading and posting there are 403 and the room leaves my list', async () => {
      const room = await createRoom(srv.url, a.token, 'Leave me', [b.user.id]);
      await postMessage(srv.url, a.token, room.id, 'before the leave');
      const res = await api(srv.url, 'DELETE', `/api/room/${room.id}/members/me`, { token: b.token });
      assert.equal(res.status, 204, res.text);
      assertError(await api(srv.url, 'GET', `/api/room/${room.id}`, { token: b.token }), 403, 'forbidden');
      assertError(await api(srv.url, 'GET', `/api/room/${room.id}/chat`, { token: b.token }), 403, 'forbidden');
      assertError(await api(srv.url, 'POST', `/api/chat/${room.id}`, { token: b.token, body: { message: 'hi' } }),
        403, 'forbidden');
      assert.ok(!(await myRooms(srv.url, b.token)).some((r) => r.id === room.id));
      const remaining = await api(srv.url, 'GET', `/api/room/${room.id}`, { token: a.token });
      assert.deepEqual(memberIds(remaining.json), [a.user.id]);
    });
  });

  describe('direct rooms', () => {
    it('is created once (201) and then found (200) from either side', async () => {
      const created = await api(srv.url, 'POST', `/api/dm/${b.user.id}`, { token: a.token });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.json.kind, 'direct');
      assert.match(created.json.id, uuid_re);
      assert.deepEqual(memberIds(created.json), [a.user.id, b.user.id].sort());
      const again = await api(srv.url, 'POST', `/api/dm/${b.user.id}`, { token: a.token });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.id, created.json.id);
      const other_side = await api(srv.url, 'POST', `/api/dm/${a.user.id}`, { token: b.token });
      assert.equal(other_side.status, 200, other_side.text);
      assert.equal(other_side.json.id, created.json.id);
      assert.equal(other_side.json.kind, 'direct');
    });

    it('with yourself is 400 and with an unknown user 404', async () => {
      assertError(await api(srv.url, 'POST', `/api/dm/${c.user.id}`, { token: c.token }), 400);
      assertError(await api(srv.url, 'POST', `/api/dm/${unknown_id}`, { token: c.token }), 404);
    });

    it('inviting into a direct room is 400 direct_room', async () => {
      const dm = await api(srv.url, 'POST', `/api/dm/${d.user.id}`, { token: c.token });
      assert.ok(dm.status === 201 || dm.status === 200, dm.text);
      const res = await api(srv.url, 'POST', `/api/room/${dm.json.id}/members`, { token: c.token, body: { userId: a.user.id } });
      assertError(res, 400, 'direct_room');
      const after = await api(srv.url, 'GET', `/api/room/${dm.json.id}`, { token: c.token });
      assert.deepEqual(memberIds(after.json), [c.user.id, d.user.id].sort());
    });
  });

  describe('my rooms', () => {
    it('lists my rooms most recent activity first, with lastMessage and unreadCount', async () => {
      const position = (rooms, id) => rooms.findIndex((r) => r.id === id);
      const r1 = await createRoom(srv.url, a.token, 'Activity 1', [b.user.id]);
      await clockPast(r1.createdAt);
      const r2 = await createRoom(srv.url, a.token, 'Activity 2', [b.user.id]);

      let rooms = await myRooms(srv.url, a.token);
      assert.ok(position(rooms, r1.id) >= 0 && position(rooms, r2.id) >= 0, 'a new room is not listed');
      assert.ok(position(rooms, r2.id) < position(rooms, r1.id), 'the newer room is not listed first');
      for (const r of rooms.filter((x) => x.id === r1.id || x.id === r2.id)) {
        assert.equal(r.lastMessage, null);
        assert.equal(r.unreadCount, 0);
        assert.equal(r.kind, 'group');
        assert.deepEqual(memberIds(r), [a.user.id, b.user.id].sort());
      }

      // Three messages by b in r1: it moves first; a has 3 unread there, b none (they are b's own).
      await clockPast(r2.createdAt);
      const sent = [];
      for (const text of ['one', 'two', 'three']) sent.push(await postMessage(srv.url, b.token, r1.id, text));
      rooms = await myRooms(srv.url, a.token);
      assert.ok(position(rooms, r1.id) < position(rooms, r2.id), 'the room with the newest message is not first');
      const listed = rooms[position(rooms, r1.id)];
      assert.equal(listed.unreadCount, 3);
      assert.equal(listed.lastMessage.id, sent[2].id);
      assert.equal(listed.lastMessage.seq, sent[2].seq);
      assert.equal(listed.lastMessage.message, 'three');
      assert.equal(listed.lastMessage.userId, b.user.id);
      const for_b = (await myRooms(srv.url, b.token)).find((r) => r.id === r1.id);
      assert.equal(for_b.unreadCount, 0, 'my own messages count as unread');

      // Then a message by a in r2 puts r2 first again, for both of them.
      await clockPast(sent[2].createdAt);
      const last = await postMessage(srv.url, a.token, r2.id, 'newest');
      for (const who of [a, b]) {
        rooms = await myRooms(srv.url, who.token);
        assert.ok(position(rooms, r2.id) < position(rooms, r1.id));
        assert.equal(rooms[position(rooms, r2.id)].lastMessage.id, last.id);
      }
      assert.equal((await myRooms(srv.url, b.token)).find((r) => r.id === r2.id).unreadCount, 1);
    });

    it('a direct room appears in both lists', async () => {
      const dm = await api(srv.url, 'POST', `/api/dm/${d.user.id}`, { token: a.token });
      assert.ok(dm.status === 201 || dm.status === 200, dm.text);
      for (const who of [a, d]) {
        const listed = (await myRooms(srv.url, who.token)).find((r) => r.id === dm.json.id);
        assert.ok(listed, 'the direct room is not listed');
        assert.equal(listed.kind, 'direct');
      }
    });
  });
});
