// Bad input of every kind is refused with the right status and code, and never hurts the server.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { api, assertError, default_password, newUser, uniqueEmail, useServer } from './lib/server.mjs';
import { createRoom } from './lib/chat.mjs';
import { sendBytes, sendOversized } from './lib/raw_http.mjs';

const fake_id = '22222222-2222-4222-8222-222222222222';

describe('bad input', { timeout: 60_000 }, () => {
  const srv = useServer();
  let me;
  let room;
  before(async () => {
    me = await newUser(srv.url, { tag: 'bad' });
    room = await createRoom(srv.url, me.token, 'Bad input');
  });

  const rawPost = (path, raw, contentType = 'application/json', token = me.token) =>
    api(srv.url, 'POST', path, { token, raw, headers: contentType ? { 'Content-Type': contentType } : {} });

  describe('bodies that are not acceptable JSON', () => {
    it('a body not declared as JSON is 415 unsupported_media_type', async () => {
      const json = JSON.stringify({ email: uniqueEmail('ct'), password: default_password });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', null]) {
        assertError(await rawPost('/api/user', json, type), 415, 'unsupported_media_type');
      }
      assertError(await rawPost(`/api/chat/${room.id}`, JSON.stringify({ message: 'x' }), 'text/plain'), 415,
        'unsupported_media_type');
    });

    it('application/json with a charset parameter is fine', async () => {
      const res = await rawPost('/api/user', JSON.stringify({ email: uniqueEmail('charset'), password: default_password }),
        'application/json; charset=utf-8');
      assert.equal(res.status, 201, res.text);
    });

    it('malformed JSON is 400 invalid_json', async () => {
      for (const raw of ['{"email": ', '{email: "a@b.c"}', "{'a': 1}", '{"a": 1} trailing', '{"a": 1,}', '', '\u0000']) {
        assertError(await rawPost('/api/user', raw), 400, 'invalid_json');
      }
    });

    it('invalid UTF-8 bytes inside a JSON string are 400', async () => {
      const cases = [
        Buffer.from([0xff]), // never valid
        Buffer.from([0xc0, 0xaf]), // overlong '/'
        Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
        Buffer.from([0xe2, 0x82]), // truncated sequence
      ];
      for (const bad of cases) {
        const raw = Buffer.concat([Buffer.from('{"message":"ok '), bad, Buffer.from(' ok"}')]);
        assertError(await rawPost(`/api/chat/${room.id}`, raw), 400);
        const email = Buffer.concat([Buffer.from('{"email":"u'), bad, Buffer.from('@example.com","password":"12345678"}')]);
        assertError(await rawPost('/api/user', email), 400);
      }
    });

    it('JSON that is not an object is 400', async () => {
      for (const raw of ['[]', '[{"message":"x"}]', '"message"', '42', 'null', 'true']) {
        assertError(await rawPost(`/api/chat/${room.id}`, raw), 400);
        assertError(await rawPost('/api/user', raw), 400);
      }
    });

    it('deeply nested JSON (depth 1000) is 400', async () => {
      const arrays = '['.repeat(1000) + ']'.repeat(1000);
      const objects = '{"a":'.repeat(1000) + '1' + '}'.repeat(1000);
      for (const raw of [arrays, objects, `{"message":${arrays}}`, `{"email":"x@y.z","password":"12345678","x":${objects}}`]) {
        assertError(await rawPost(`/api/chat/${room.id}`, raw), 400);
      }
    });

    it('a JSON body over 1 MiB is 413 payload_too_large', async () => {
      const res = await sendOversized(srv.port, {
        path: '/api/user', length: 1024 * 1024 + 1, headers: { 'Content-Type': 'application/json' },
      });
      assertError(res, 413, 'payload_too_large');
      const chat = await sendOversized(srv.port, {
        path: `/api/chat/${room.id}`, length: 4 * 1024 * 1024,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${me.token}` },
      });
      assertError(chat, 413, 'payload_too_large');
    });

    it('a JSON body just under 1 MiB is parsed, and a huge message in it is 400 invalid_message', async () => {
      const res = await api(srv.url, 'POST', `/api/chat/${room.id}`, { token: me.token, body: { message: 'x'.repeat(1_000_000) } });
      assertError(res, 400, 'invalid_message');
    });
  });

  describe('fields of the wrong type or size', () => {
    it('wrong types are 400', async () => {
      const chat = `/api/chat/${room.id}`;
      const cases = [
        ['POST', chat, { message: 123 }],
        ['POST', chat, { message: null }],
        ['POST', chat, { message: ['hi'] }],
        ['POST', chat, { message: { text: 'hi' } }],
        ['POST', chat, { message: true }],
        ['POST', chat, { message: 'hi', clientMsgId: { id: 1 } }],
        ['POST', chat, { message: 'hi', clientMsgId: ['a'] }],
        ['POST', '/api/user', { email: 123, password: default_password }],
        ['POST', '/api/user', { email: uniqueEmail('types'), password: 12345678 }],
        ['POST', '/api/user', { email: [uniqueEmail('types')], password: default_password }],
        ['POST', '/api/session', { email: { $ne: '' }, password: default_password }],
        ['POST', '/api/session', { email: me.email, password: ['x'] }],
        ['POST', '/api/room', { title: 5 }],
        ['POST', '/api/room', { title: 'ok', members: 'not a list' }],
        ['POST', '/api/room', { title: 'ok', members: [123] }],
        ['POST', '/api/room', { title: 'ok', members: [{ id: me.user.id }] }],
        ['PATCH', '/api/me', { displayName: 42 }],
        ['PATCH', '/api/me', { displayName: null }],
        ['POST', `/api/room/${room.id}/members`, { userId: 5 }],
        ['POST', `/api/room/${room.id}/members`, {}],
      ];
      for (const [method, path, body] of cases) {
        const res = await api(srv.url, method, path, { token: me.token, body });
        assert.equal(res.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${res.status} ${res.text}`);
        assertError(res, 400);
      }
      // None of the refused messages was stored.
      const page = await api(srv.url, 'GET', `/api/room/${room.id}/chat`, { token: me.token });
      assert.deepEqual(page.json.messages, []);
    });

    it('a huge clientMsgId is 400', async () => {
      const res = await api(srv.url, 'POST', `/api/chat/${room.id}`,
        { token: me.token, body: { message: 'hi', clientMsgId: 'c'.repeat(10_000) } });
      assertError(res, 400);
    });

    it('a huge email is 400', async () => {
      const long_email = `${'a'.repeat(100_000)}@example.com`;
      assertError(await api(srv.url, 'POST', '/api/user', { body: { email: long_email, password: default_password } }), 400);
    });

    it('unknown fields are ignored', async () => {
      const email = uniqueEmail('extra');
      const signup = await api(srv.url, 'POST', '/api/user',
        { body: { email, password: default_password, id: fake_id, isAdmin: true, role: 'owner', nested: { a: [1, 2] } } });
      assert.equal(signup.status, 201, signup.text);
      assert.notEqual(signup.json.id, fake_id);
      assert.ok(!('isAdmin' in signup.json) && !('role' in signup.json));
      const login = await api(srv.url, 'POST', '/api/session', { body: { email, password: default_password, remember: true } });
      assert.equal(login.status, 200, login.text);
      const msg = await api(srv.url, 'POST', `/api/chat/${room.id}`,
        { token: me.token, body: { message: 'extra fields', color: 'red', attachments: [{ url: 'x' }] } });
      assert.equal(msg.status, 201, msg.text);
      assert.ok(!('color' in msg.json));
      const created = await api(srv.url, 'POST', '/api/room', { token: me.token, body: { title: 'Extra', topic: 'ignored' } });
      assert.equal(created.status, 201, created.text);
    });
  });

  describe('routes', () => {
    it('an unknown /api/ path is a JSON 404', async () => {
      for (const [method, path] of [['GET', '/api/nope'], ['POST', '/api/nope'], ['GET', '/api/room/a/b/c/d'],
        ['DELETE', '/api/nope/deeper'], ['GET', '/api/users/a/b']]) {
        const res = await api(srv.url, method, path, { token: me.token });
        assert.notEqual(res.status, 405, `${method} ${path}`);
        assertError(res, 404);
      }
    });

    it('a known path with the wrong method is 405 method_not_allowed', async () => {
      for (const [method, path] of [['DELETE', '/api/health'], ['PUT', '/api/rooms'], ['GET', `/api/chat/${room.id}`],
        ['PATCH', '/api/user'], ['GET', '/api/session']]) {
        const res = await api(srv.url, method, path, { token: me.token });
        assertError(res, 405, 'method_not_allowed');
      }
      const res = await api(srv.url, 'DELETE', '/api/health');
      assert.match(res.headers.get('allow') ?? '', /GET/);
    });

    it('a request that is not HTTP is refused with 400 or a closed connection', async () => {
      for (const bytes of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n',
        `GET /${'a'.repeat(64 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`]) {
        const res = await sendBytes(srv.port, bytes);
        assert.ok(res.text === '' ? res.closed : /^HTTP\/1\.[01] (400|413|414|431)/.test(res.text),
          `answered ${JSON.stringify(res.text.slice(0, 100))}`);
      }
    });
  });

  // Runs last (tests run in order): the server survived all of the above.
  it('after all of that, the server still answers GET /api/health', async () => {
    const res = await api(srv.url, 'GET', '/api/health');
    assert.equal(res.status, 200, 'the server stopped answering after the bad input');
    assert.equal(srv.exit_info(), null);
  });
});
