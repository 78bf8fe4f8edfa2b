// Transports and the handshake, with the official socket.io-client: polling then the upgrade to WebSocket,
// each transport alone, the /api/socket.io/ path, authentication (token, cookie, none, bad) and the Origin
// policy on polling and WebSocket.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { api, newUser, startServer, useServer } from './lib/server.mjs';
import { rawRequest } from './lib/raw_http.mjs';
import { closeSocket, connectError, connectSocket, makeSocket, sendMessage, useSockets, waitForWebSocket } from './lib/realtime.mjs';

const allowed_origin = 'http://allowed.test';
const evil_origin = 'http://evil.test';
const unauthorized = 'unauthorized: log in first';

// A raw WebSocket upgrade; resolves with {status} when refused, {open: true} when accepted.
function rawUpgrade(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 5_000 });
    ws.on('unexpected-response', (_req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        ws.terminate();
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    ws.on('open', () => {
      ws.close();
      resolve({ open: true });
    });
    ws.on('error', (err) => {
      if (!err.message.includes('Unexpected server response')) reject(err);
    });
  });
}

describe('realtime transports', () => {
  const server = useServer({ args: ['--allowed-origin', allowed_origin] });
  const sockets = useSockets();
  let alice;
  let bob;
  let room;

  before(async () => {
    alice = await newUser(server.url, { tag: 'alice', displayName: 'Alice' });
    bob = await newUser(server.url, { tag: 'bob', displayName: 'Bob' });
    const res = await api(server.url, 'POST', `/api/dm/${bob.user.id}`, { token: alice.token });
    assert.equal(res.status, 201, res.text);
    room = res.json;
  });

  // Alice sends with ack over `sender`; Bob's socket gets the same message.
  async function roundTrip(sender, receiver, text) {
    const from = receiver.log.length;
    const stored = await sendMessage(sender, room.id, text);
    const got = await receiver.log.waitFor('message', (m) => m.id === stored.id, { from, what: text });
    const m = got.args[0];
    assert.equal(m.message, text);
    assert.equal(m.seq, stored.seq);
    assert.equal(m.roomId, room.id);
    assert.equal(m.userId, alice.user.id);
    assert.equal(m.author.displayName, 'Alice');
  }

  test('with the default transports the client starts on polling, upgrades to websocket and chats', async () => {
    const a = sockets.add(makeSocket(server.url, { token: alice.token }));
    assert.equal(a.io.engine.transport.name, 'polling', 'the first transport is long-polling');
    await a.log.waitFor('connect');
    const b = await sockets.connect(server.url, { token: bob.token });
    await waitForWebSocket(a);
    assert.equal(a.io.engine.transport.name, 'websocket');
    await waitForWebSocket(b);
    await roundTrip(a, b, 'after the upgrade');
  });

  test('a websocket-only client connects and chats', async () => {
    const a = await sockets.connect(server.url, { token: alice.token, transports: ['websocket'] });
    assert.equal(a.io.engine.transport.name, 'websocket');
    const b = await sockets.connect(server.url, { token: bob.token, transports: ['websocket'] });
    await roundTrip(a, b, 'websocket only');
    await roundTrip(a, b, 'websocket only, twice');
  });

  test('a polling-only client connects, chats and stays on polling', async () => {
    const a = await sockets.connect(server.url, { token: alice.token, transports: ['polling'] });
    const b = await sockets.connect(server.url, { token: bob.token, transports: ['polling'] });
    await roundTrip(a, b, 'polling only 1');
    // Characters that a payload encoding could trip on: quotes, backslashes, line/paragraph separators.
    await roundTrip(a, b, '안녕 👋 "quoted" \\ back\\slash \u2028 \u2029 </script> \ud83d\ude00 tab\tnewline\nend');
    assert.equal(a.io.engine.transport.name, 'polling');
    assert.equal(b.io.engine.transport.name, 'polling');
  });

  test('a polling client and a websocket client chat with each other', async () => {
    const a = await sockets.connect(server.url, { token: alice.token, transports: ['polling'] });
    const b = await sockets.connect(server.url, { token: bob.token, transports: ['websocket'] });
    await roundTrip(a, b, 'from polling to websocket');
  });

  test('the /api/socket.io/ path works like /socket.io/', async () => {
    for (const transports of [['polling', 'websocket'], ['websocket'], ['polling']]) {
      const a = await sockets.connect(server.url, { token: alice.token, path: '/api/socket.io/', transports });
      const b = await sockets.connect(server.url, { token: bob.token, path: '/api/socket.io/', transports });
      await roundTrip(a, b, `on /api/socket.io/ with ${transports.join('+')}`);
      await closeSocket(a);
      await closeSocket(b);
    }
  });

  test('without a token the connection is refused with "unauthorized: log in first"', async () => {
    for (const transports of [['polling', 'websocket'], ['websocket']]) {
      const err = await connectError(server.url, { transports });
      assert.equal(err.message, unauthorized);
    }
  });

  test('a bad token, an empty token, a non-string token and a logged-out token are refused', async () => {
    const err1 = await connectError(server.url, { token: 'not-a-real-token' });
    assert.equal(err1.message, unauthorized);
    const err2 = await connectError(server.url, { token: '' });
    assert.equal(err2.message, unauthorized);
    const err3 = await connectError(server.url, { auth: { token: 12345 } });
    assert.equal(err3.message, unauthorized);

    const carol = await newUser(server.url, { tag: 'carol' });
    const out = await api(server.url, 'DELETE', '/api/session', { token: carol.token });
    assert.equal(out.status, 204);
    const err4 = await connectError(server.url, { token: carol.token, transports: ['websocket'] });
    assert.equal(err4.message, unauthorized);
  });

  test('the session cookie authenticates the socket (polling, the upgrade, and websocket only)', async () => {
    const res = await api(server.url, 'POST', '/api/session', { body: { email: alice.email, password: alice.password } });
    assert.equal(res.status, 200);
    const set_cookie = res.headers.get('set-cookie');
    const match = /suda_session=([^;]+)/.exec(set_cookie ?? '');
    assert.ok(match, `no suda_session cookie in ${set_cookie}`);
    const cookie = `suda_session=${match[1]}`;

    const b = await sockets.connect(server.url, { token: bob.token });
    const a = await sockets.connect(server.url, { extraHeaders: { cookie } });
    await waitForWebSocket(a);
    await roundTrip(a, b, 'authenticated by cookie');
    const a2 = await sockets.connect(server.url, { extraHeaders: { cookie }, transports: ['websocket'] });
    await roundTrip(a2, b, 'authenticated by cookie over websocket');

    const err = await connectError(server.url, { extraHeaders: { cookie: 'suda_session=forged' } });
    assert.equal(err.message, unauthorized);
  });

  test('a disallowed Origin is refused with 403 on polling and on the websocket upgrade', async () => {
    const polling = await rawRequest(server.port, {
      path: '/socket.io/?EIO=4&transport=polling',
      headers: { Origin: evil_origin },
    });
    assert.equal(polling.status, 403, polling.text);
    assert.equal(polling.headers['access-control-allow-origin'], undefined);

    const ws = await rawUpgrade(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, { Origin: evil_origin });
    assert.equal(ws.status, 403, JSON.stringify(ws));

    // Through the official client, with a valid token: still refused.
    for (const transports of [['polling'], ['websocket']]) {
      const err = await connectError(server.url, { token: alice.token, transports, extraHeaders: { origin: evil_origin } });
      assert.notEqual(err.message, undefined);
      assert.notEqual(err.message, unauthorized, 'refused for its Origin, before authentication');
    }

    // Every request of a session is checked, not only the handshake: a session opened without an Origin
    // (a non-browser client) cannot be driven from a disallowed page.
    const open = await rawRequest(server.port, { path: '/socket.io/?EIO=4&transport=polling' });
    assert.equal(open.status, 200);
    const { sid } = JSON.parse(open.text.slice(1));
    const post = await rawRequest(server.port, {
      method: 'POST', path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`,
      headers: { Origin: evil_origin, 'Content-Type': 'text/plain;charset=UTF-8' }, body: '40' + JSON.stringify({ token: alice.token }),
    });
    assert.equal(post.status, 403, post.text);
    const get = await rawRequest(server.port, { path: `/socket.io/?EIO=4&transport=polling&sid=${sid}`, headers: { Origin: evil_origin } });
    assert.equal(get.status, 403, get.text);
    const upgrade = await rawUpgrade(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket&sid=${sid}`, { Origin: evil_origin });
    assert.equal(upgrade.status, 403, JSON.stringify(upgrade));

    // An Origin that only looks like the server (other port, path, userinfo) is not same-origin.
    for (const origin of [`http://127.0.0.1:${server.port + 1}`, `http://127.0.0.1:${server.port}/x`, 'null']) {
      const res = await rawRequest(server.port, { path: '/socket.io/?EIO=4&transport=polling', headers: { Origin: origin } });
      assert.equal(res.status, 403, `Origin ${origin}: ${res.status} ${res.text}`);
    }
  });

  test('an allowed Origin gets CORS headers, on polling and its preflight, and may upgrade', async () => {
    const handshake = await rawRequest(server.port, {
      path: '/socket.io/?EIO=4&transport=polling',
      headers: { Origin: allowed_origin },
    });
    assert.equal(handshake.status, 200, handshake.text);
    assert.equal(handshake.headers['access-control-allow-origin'], allowed_origin);
    assert.equal(handshake.headers['access-control-allow-credentials'], 'true');
    assert.match(handshake.text, /^0\{/);

    const preflight = await rawRequest(server.port, {
      method: 'OPTIONS',
      path: '/socket.io/?EIO=4&transport=polling',
      headers: { Origin: allowed_origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.ok(preflight.status === 200 || preflight.status === 204, `preflight: ${preflight.status}`);
    assert.equal(preflight.headers['access-control-allow-origin'], allowed_origin);
    assert.equal(preflight.headers['access-control-allow-credentials'], 'true');
    assert.match(preflight.headers['access-control-allow-methods'] ?? '', /POST/);

    const ws = await rawUpgrade(`ws://127.0.0.1:${server.port}/socket.io/?EIO=4&transport=websocket`, { Origin: allowed_origin });
    assert.deepEqual(ws, { open: true });

    // The same origin as the server is allowed without any flag.
    const same = await rawRequest(server.port, {
      path: '/socket.io/?EIO=4&transport=polling',
      headers: { Origin: `http://127.0.0.1:${server.port}` },
    });
    assert.equal(same.status, 200, same.text);

    // And the official client from the allowed origin chats, polling then websocket.
    const a = await sockets.connect(server.url, { token: alice.token, extraHeaders: { origin: allowed_origin } });
    const b = await sockets.connect(server.url, { token: bob.token, extraHeaders: { origin: allowed_origin } });
    await waitForWebSocket(a);
    await roundTrip(a, b, 'from an allowed origin');
  });
});

describe('realtime shutdown', () => {
  test('SIGTERM with sockets connected on every transport disconnects them and exits 0', async () => {
    const server = await startServer();
    const sockets = [];
    try {
      const alice = await newUser(server.url, { tag: 'alice' });
      for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
        sockets.push(await connectSocket(server.url, { token: alice.token, transports }));
      }
      await waitForWebSocket(sockets[2]);
      const started = Date.now();
      const stopped = server.stop(); // asserts exit code 0
      for (const s of sockets) await s.log.waitFor('disconnect', undefined, { timeout: 10_000 });
      await stopped;
      assert.ok(Date.now() - started < 10_000, `shutdown took ${Date.now() - started} ms`);
    } finally {
      for (const s of sockets) s.close();
      await server.stop();
      await server.remove_data();
    }
  });
});
