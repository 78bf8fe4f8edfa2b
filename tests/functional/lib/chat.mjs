// Room and message helpers over the HTTP API; each asserts the success status it expects.
import assert from 'node:assert/strict';
import { api } from './server.mjs';

export async function createRoom(url, token, title, members) {
  const body = members === undefined ? { title } : { title, members };
  const res = await api(url, 'POST', '/api/room', { token, body });
  assert.equal(res.status, 201, `create room "${title}": ${res.status} ${res.text}`);
  return res.json;
}

export async function postMessage(url, token, roomId, message, clientMsgId) {
  const body = clientMsgId === undefined ? { message } : { message, clientMsgId };
  const res = await api(url, 'POST', `/api/chat/${roomId}`, { token, body });
  assert.equal(res.status, 201, `post to ${roomId}: ${res.status} ${res.text}`);
  return res.json;
}

export async function history(url, token, roomId, params = {}) {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  const res = await api(url, 'GET', `/api/room/${roomId}/chat${query.size ? '?' + query : ''}`, { token });
  assert.equal(res.status, 200, `history of ${roomId}: ${res.status} ${res.text}`);
  assert.ok(Array.isArray(res.json.messages), res.text);
  assert.equal(typeof res.json.hasMore, 'boolean', res.text);
  return res.json;
}

// Every message of a room, read through history pages of `limit` from the newest; checks each page's
// order and hasMore on the way. Returns the messages newest first.
export async function fullHistory(url, token, roomId, limit = 100) {
  const all = [];
  let before;
  for (let guard = 0; guard < 100_000; guard++) {
    const page = await history(url, token, roomId, before === undefined ? { limit } : { limit, before });
    assert.ok(page.messages.length <= limit, `a page of ${page.messages.length} for limit ${limit}`);
    for (let i = 1; i < page.messages.length; i++) {
      assert.ok(page.messages[i - 1].seq > page.messages[i].seq, 'a history page is not newest first');
    }
    all.push(...page.messages);
    if (!page.hasMore) break;
    assert.ok(page.messages.length > 0, 'hasMore is true on an empty page');
    before = page.messages.at(-1).seq;
  }
  return all;
}

export async function myRooms(url, token) {
  const res = await api(url, 'GET', '/api/rooms', { token });
  assert.equal(res.status, 200, `rooms: ${res.status} ${res.text}`);
  assert.ok(Array.isArray(res.json.rooms), res.text);
  return res.json.rooms;
}
