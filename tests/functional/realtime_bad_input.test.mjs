// Broken clients at the Engine.IO / Socket.IO layers, spoken by hand over raw HTTP long-polling and raw
// WebSocket frames: unknown packet types, broken JSON, wrong attachment counts, oversized bodies and
// messages, ping floods, unknown sessions, a bad protocol version or transport. Each is answered or closed,
// and afterwards another client on the same server still connects and chats, and the process is alive.
import assert from 'node:assert/strict';
import http from 'node:http';
import { before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { api, mapConcurrent, newUser, useServer } from './lib/server.mjs';
import { postMessage } from './lib/chat.mjs';
import { rawRequest, sendOversized } from './lib/raw_http.mjs';
import { assertAlive, closeSocket, connectSocket, default_timeout_ms, sendMessage } from './lib/realtime.mjs';

const RS = '\x1e'; // the Engine.IO polling payload separator
const max_payload = 1_000_000;

const polling_path = (extra = '') => `/socket.io/?EIO=4&transport=polling${extra}`;
const websocket_path = (extra = '') => `/socket.io/?EIO=4&transport=websocket${extra}`;

// A raw WebSocket with every frame recorded: waitFrame(pred) and `closed` ({code, reason}).
function rawWebSocket(port, path = websocket_path()) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false, handshakeTimeout: 5_000 });
    const frames = [];
    const waiters = new Set();
    let close_info = null;
    const closed = new Promise((done) => {
      ws.on('close', (code, reason) => {
        close_info = { code, reason: reason.toString() };
        for (const w of waiters) w();
        done(close_info);
      });
    });
    ws.on('message', (data, binary) => {
      frames.push(binary ? Buffer.from(data) : data.toString('utf8'));
      for (const w of waiters) w();
    });
    // Errors after open (a reset while sending) end in "close", which is what the tests look at.
    ws.on('error', (err) => {
      if (ws.readyState === WebSocket.CONNECTING) reject(err);
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), {
        status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'),
      })));
    });
    ws.on('open', () => resolve({
      ws,
      frames,
      closed,
      close_info: () => close_info,
      send: (data, options) => ws.send(data, options),
      waitFrame(pred, timeout = default_timeout_ms) {
        return new Promise((ok, fail) => {
          const check = () => {
            const found = frames.find((f) => typeof f === 'string' && pred(f));
            if (found !== undefined) return finish(null, found);
            if (close_info) return finish(new Error(`closed (${JSON.stringify(close_info)}) before the frame; got ${JSON.stringify(frames)}`));
          };
          const timer = setTimeout(() => finish(new Error(`no such frame within ${timeout} ms; got ${JSON.stringify(frames)}`)), timeout);
          const finish = (err, value) => {
            clearTimeout(timer);
            waiters.delete(check);
            if (err) fail(err);
            else ok(value);
          };
          waiters.add(check);
          check();
        });
      },
      // Resolves with the close info; fails when the server keeps the connection open past `timeout`.
      async expectClosed(timeout = default_timeout_ms) {
        let timer;
        const info = await Promise.race([
          closed,
          new Promise((_, fail) => {
            timer = setTimeout(() => fail(new Error(`the server kept the connection open; frames: ${JSON.stringify(frames.slice(-5))}`)), timeout);
          }),
        ]);
        clearTimeout(timer);
        return info;
      },
      terminate: () => ws.terminate(),
    }));
  });
}

// A raw WebSocket with Engine.IO open and Socket.IO CONNECT done (authenticated as `token`).
async function connectedWebSocket(port, token) {
  const raw = await rawWebSocket(port);
  const open = await raw.waitFrame((f) => f.startsWith('0{'));
  const handshake = JSON.parse(open.slice(1));
  assert.equal(typeof handshake.sid, 'string');
  raw.send('40' + JSON.stringify({ token }));
  await raw.waitFrame((f) => f.startsWith('40{'));
  return raw;
}

// A polling Engine.IO session with Socket.IO CONNECT done; returns its sid.
async function connectedPolling(port, token) {
  const open = await rawRequest(port, { path: polling_path() });
  assert.equal(open.status, 200, open.text);
  assert.match(open.text, /^0\{/);
  const { sid } = JSON.parse(open.text.slice(1));
  const post = await rawRequest(port, { method: 'POST', path: polling_path(`&sid=${sid}`), headers: { 'Content-Type': 'text/plain;charset=UTF-8' }, body: '40' + JSON.stringify({ token }) });
  assert.equal(post.status, 200, post.text);
  const get = await rawRequest(port, { path: polling_path(`&sid=${sid}`) });
  assert.equal(get.status, 200, get.text);
  assert.ok(get.text.split(RS).some((p) => p.startsWith('40{"sid"')), `no CONNECT answer: ${get.text}`);
  return sid;
}

function postPolling(port, sid, body, headers = { 'Content-Type': 'text/plain;charset=UTF-8' }) {
  return rawRequest(port, { method: 'POST', path: polling_path(`&sid=${sid}`), headers, body });
}

function assertEioError(res, status, code, message) {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.match(res.headers['content-type'] ?? '', /application\/json/);
  assert.deepEqual(res.json, { code, message });
}

// The polling session is over: a GET gets the close packet ("1") or 400 Session ID unknown, and after at
// most one close packet, 400 Session ID unknown.
async function assertPollingClosed(port, sid) {
  for (let i = 0; i < 3; i++) {
    const res = await rawRequest(port, { path: polling_path(`&sid=${sid}`) });
    if (res.status === 400) return assertEioError(res, 400, 1, 'Session ID unknown');
    assert.equal(res.status, 200, res.text);
    assert.ok(res.text.split(RS).includes('1'), `the session is still open; a GET returned ${JSON.stringify(res.text)}`);
  }
  assert.fail('the session still answered after its close packet');
}

describe('realtime bad input', () => {
  const server = useServer();
  let alice;
  let bob;
  let loner; // in no room: no presence or other events reach the raw sessions opened as this user
  let room;
  let checks = 0;

  before(async () => {
    alice = await newUser(server.url, { tag: 'alice', displayName: 'Alice' });
    bob = await newUser(server.url, { tag: 'bob', displayName: 'Bob' });
    loner = await newUser(server.url, { tag: 'loner' });
    const res = await api(server.url, 'POST', `/api/dm/${bob.user.id}`, { token: alice.token });
    assert.equal(res.status, 201, res.text);
    room = res.json;
  });

  // Another client still connects (polling then websocket, and websocket only) and chats; the process lives.
  async function stillServes() {
    assertAlive(server);
    const a = await connectSocket(server.url, { token: alice.token });
    const b = await connectSocket(server.url, { token: bob.token, transports: ['websocket'] });
    try {
      const text = `still serving ${++checks}`;
      const sent = await sendMessage(a, room.id, text);
      const got = await b.log.waitFor('message', (m) => m.id === sent.id, { what: text });
      assert.equal(got.args[0].message, text);
    } finally {
      await closeSocket(a);
      await closeSocket(b);
    }
    assertAlive(server);
  }

  test('an unknown sid is refused with 400 {"code":1,"message":"Session ID unknown"} on GET, POST and websocket', async () => {
    assertEioError(await rawRequest(server.port, { path: polling_path('&sid=nope') }), 400, 1, 'Session ID unknown');
    assertEioError(await postPolling(server.port, 'nope', '40'), 400, 1, 'Session ID unknown');
    const long_sid = 'x'.repeat(5000);
    assertEioError(await rawRequest(server.port, { path: polling_path(`&sid=${long_sid}`) }), 400, 1, 'Session ID unknown');
    await assert.rejects(rawWebSocket(server.port, websocket_path('&sid=nope')), (err) => {
      assert.equal(err.status, 400, err.message);
      assert.deepEqual(JSON.parse(err.text), { code: 1, message: 'Session ID unknown' });
      return true;
    });
    await stillServes();
  });

  test('a bad EIO version is refused with code 5, an unknown transport with code 0', async () => {
    for (const path of ['/socket.io/?EIO=3&transport=polling', '/socket.io/?EIO=5&transport=polling', '/socket.io/?transport=polling', '/socket.io/?EIO=abc&transport=polling']) {
      assertEioError(await rawRequest(server.port, { path }), 400, 5, 'Unsupported protocol version');
    }
    await assert.rejects(rawWebSocket(server.port, '/socket.io/?EIO=3&transport=websocket'), (err) => err.status === 400);
    for (const path of ['/socket.io/?EIO=4&transport=flash', '/socket.io/?EIO=4', '/socket.io/?EIO=4&transport=']) {
      assertEioError(await rawRequest(server.port, { path }), 400, 0, 'Transport unknown');
    }
    // A handshake must be a GET.
    assertEioError(await rawRequest(server.port, { method: 'POST', path: polling_path(), body: '40' }), 400, 2, 'Bad handshake method');
    await stillServes();
  });

  test('an unknown Engine.IO packet type closes the session (polling: 400 code 3; websocket: closed)', async () => {
    const sid = await connectedPolling(server.port, loner.token);
    assertEioError(await postPolling(server.port, sid, '9hello'), 400, 3, 'Bad request');
    await assertPollingClosed(server.port, sid);

    const raw = await connectedWebSocket(server.port, loner.token);
    raw.send('9hello');
    await raw.expectClosed();
    await stillServes();
  });

  test('an unknown Socket.IO packet type and broken JSON close the connection', async () => {
    for (const bad of ['49', '42["message",{', '42{"not":"an array"}', '42[]', '42[1,2]', '4' + '2["message",' + '['.repeat(100_000)]) {
      const sid = await connectedPolling(server.port, loner.token);
      const res = await postPolling(server.port, sid, bad);
      assert.ok(res.status === 200 || res.status === 400, `${bad.slice(0, 40)}: ${res.status} ${res.text}`);
      await assertPollingClosed(server.port, sid);

      const raw = await connectedWebSocket(server.port, loner.token);
      raw.send(bad);
      await raw.expectClosed();
    }
    await stillServes();
  });

  test('deeply nested JSON in an event is refused without harm', async () => {
    const depth = 200_000;
    const raw = await connectedWebSocket(server.port, loner.token);
    raw.send('42["message",' + '['.repeat(depth) + ']'.repeat(depth) + ']');
    await raw.expectClosed();
    const raw2 = await connectedWebSocket(server.port, loner.token);
    raw2.send('42["message",' + '{"a":'.repeat(depth / 10) + '1' + '}'.repeat(depth / 10) + ']');
    await raw2.expectClosed();
    await stillServes();
  });

  test('wrong attachment counts close the connection', async () => {
    // Announces one binary attachment, then sends a text frame instead.
    const raw = await connectedWebSocket(server.port, loner.token);
    raw.send('451-["message",{"_placeholder":true,"num":0}]');
    raw.send('42["message",{"roomId":"x","message":"y"}]');
    await raw.expectClosed();

    // A binary frame nobody announced.
    const raw2 = await connectedWebSocket(server.port, loner.token);
    raw2.send(Buffer.from([1, 2, 3]));
    await raw2.expectClosed();

    // A huge announced count, a negative one, and a placeholder past the count.
    for (const bad of ['4599999999999-["x",{"_placeholder":true,"num":0}]', '45-1-["x"]', '451-["x",{"_placeholder":true,"num":5}]']) {
      const r = await connectedWebSocket(server.port, loner.token);
      r.send(bad);
      r.send(Buffer.from([9]));
      await r.expectClosed();
    }

    // Over polling: the attachment announcement followed by a text packet in the same body.
    const sid = await connectedPolling(server.port, loner.token);
    const res = await postPolling(server.port, sid, `451-["message",{"_placeholder":true,"num":0}]${RS}42["x"]`);
    assert.ok(res.status === 200 || res.status === 400, `${res.status} ${res.text}`);
    await assertPollingClosed(server.port, sid);
    await stillServes();
  });

  test('an event before the Socket.IO CONNECT closes the connection; an unknown namespace is refused', async () => {
    const raw = await rawWebSocket(server.port);
    await raw.waitFrame((f) => f.startsWith('0{'));
    raw.send('42["message",{"roomId":"x","message":"y"}]');
    await raw.expectClosed();

    const raw2 = await rawWebSocket(server.port);
    await raw2.waitFrame((f) => f.startsWith('0{'));
    raw2.send('40/admin,' + JSON.stringify({ token: loner.token }));
    const refused = await raw2.waitFrame((f) => f.startsWith('44/admin,'));
    assert.equal(JSON.parse(refused.slice('44/admin,'.length)).message, 'Invalid namespace');
    raw2.terminate();

    // CONNECT without a token over raw polling: CONNECT_ERROR.
    const open = await rawRequest(server.port, { path: polling_path() });
    const { sid } = JSON.parse(open.text.slice(1));
    assert.equal((await postPolling(server.port, sid, '40')).status, 200);
    const get = await rawRequest(server.port, { path: polling_path(`&sid=${sid}`) });
    const packet = get.text.split(RS).find((p) => p.startsWith('44'));
    assert.ok(packet, `no CONNECT_ERROR in ${get.text}`);
    assert.equal(JSON.parse(packet.slice(2)).message, 'unauthorized: log in first');
    await stillServes();
  });

  test('an oversized polling POST (> 1,000,000 bytes) is refused with 413, announced or chunked', async () => {
    const sid = await connectedPolling(server.port, loner.token);
    const res = await sendOversized(server.port, {
      path: polling_path(`&sid=${sid}`),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      length: max_payload + 1,
      fill: 0x36, // "6666…": noop packets, were it ever parsed
      header_grace_ms: 200,
    });
    assert.equal(res.status, 413, res.text);

    // Chunked, with no Content-Length: the server stops reading and answers 413 too.
    const sid2 = await connectedPolling(server.port, loner.token);
    const chunked = await new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: server.port, method: 'POST', path: polling_path(`&sid=${sid2}`),
        headers: { 'Content-Type': 'text/plain;charset=UTF-8', 'Transfer-Encoding': 'chunked' }, agent: false,
      }, (r) => {
        const chunks = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.setTimeout(15_000, () => req.destroy(new Error('no answer to the chunked POST within 15 s')));
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x36);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * max_payload && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    }).catch((err) => ({ error: err.message }));
    // A reset after the answer is possible; the answer, when it arrived, is 413.
    if (chunked.error === undefined) assert.equal(chunked.status, 413, chunked.text);
    else assert.match(chunked.error, /ECONNRESET|EPIPE|socket hang up/, chunked.error);

    // A body at the limit is fine: 1,000,000 bytes of noop packets... minus the separators' worth.
    const sid3 = await connectedPolling(server.port, loner.token);
    const at_limit = await postPolling(server.port, sid3, '4' + '2["typing",{"roomId":"' + 'r'.repeat(max_payload - 40) + '"}]');
    assert.equal(at_limit.status, 200, at_limit.text);
    await stillServes();
  });

  test('an oversized WebSocket message closes the connection (single frame and fragmented)', async () => {
    const raw = await connectedWebSocket(server.port, loner.token);
    raw.send('42["message",{"roomId":"r","message":"' + 'a'.repeat(max_payload) + '"}]');
    const info = await raw.expectClosed();
    assert.ok([1009, 1006].includes(info.code), `close code ${info.code}`);

    const raw2 = await connectedWebSocket(server.port, loner.token);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    raw2.send('42["message","', { fin: false });
    for (let i = 0; i < 20; i++) raw2.send(chunk, { fin: false, binary: false });
    raw2.send('"]', { fin: true });
    await raw2.expectClosed();

    // A message just under the limit is fine (a typing event with a long room id: an error ack).
    const raw3 = await connectedWebSocket(server.port, loner.token);
    raw3.send('421["typing",{"roomId":"' + 'r'.repeat(max_payload - 100) + '"}]');
    const answer = await raw3.waitFrame((f) => f.startsWith('431'), 10_000);
    assert.ok(JSON.parse(answer.slice(3))[0].error, answer.slice(0, 200));
    raw3.terminate();
    await stillServes();
  });

  test('a client ping gets a pong; a flood of client pings is cut off', async () => {
    const raw = await connectedWebSocket(server.port, loner.token);
    raw.send('2');
    await raw.waitFrame((f) => f === '3');
    for (let i = 0; i < 20_000 && !raw.close_info(); i++) raw.send('2');
    await raw.expectClosed(10_000);

    const sid = await connectedPolling(server.port, loner.token);
    const flood = Array(4000).fill('2').join(RS);
    const res = await postPolling(server.port, sid, flood);
    assert.ok(res.status === 200 || res.status === 400, `${res.status} ${res.text}`);
    await assertPollingClosed(server.port, sid);
    await stillServes();
  });

  test('broken polling bodies: binary content type, bad base64, empty, too many packets, overlapping GETs', async () => {
    const bodies = [
      [Buffer.from([0, 1, 2, 255]), { 'Content-Type': 'application/octet-stream' }],
      ['b$$$not base64', undefined],
      ['', undefined],
      [Array(5000).fill('6').join(RS), undefined],
      [Buffer.from([0x34, 0x32, 0xff, 0xfe, 0x5b, 0x5d]), undefined],
    ];
    for (const [body, headers] of bodies) {
      const sid = await connectedPolling(server.port, loner.token);
      const res = await postPolling(server.port, sid, body, headers);
      assert.ok(res.status === 200 || res.status === 400, `${res.status} ${res.text}`);
      if (res.status === 400) assert.equal(res.json?.code, 3, res.text);
      await assertPollingClosed(server.port, sid);
    }

    // Two GETs at once for one session (nothing is queued for it, so the first one parks): one is
    // refused with 400, the other gets the close packet.
    const sid = await connectedPolling(server.port, loner.token);
    const both = await Promise.all([0, 1].map(() => rawRequest(server.port, { path: polling_path(`&sid=${sid}`) })));
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 400], both.map((r) => `${r.status} ${r.text}`).join(' | '));
    assert.equal(both.find((r) => r.status === 400).json?.code, 3);
    assert.ok(both.find((r) => r.status === 200).text.split(RS).includes('1'));
    await assertPollingClosed(server.port, sid);
    await stillServes();
  });

  test('a WebSocket close packet, a binary Engine.IO frame and an empty frame end only that connection', async () => {
    for (const send of [(r) => r.send('1'), (r) => r.send(Buffer.from([4, 1, 2, 3])), (r) => r.send('')]) {
      const raw = await connectedWebSocket(server.port, loner.token);
      send(raw);
      await raw.expectClosed();
    }
    await stillServes();
  });

  test('a client that stops reading is disconnected once its queue is full (logged); the others get everything', async () => {
    const flooder = await newUser(server.url, { tag: 'flooder' });
    const slow = await newUser(server.url, { tag: 'slow' });
    const res = await api(server.url, 'POST', `/api/dm/${slow.user.id}`, { token: flooder.token });
    assert.equal(res.status, 201, res.text);
    const flood_room = res.json.id;

    // A polling session of `slow` that never GETs again, and a WebSocket of `slow` that stops reading.
    const polling_sid = await connectedPolling(server.port, slow.token);
    const raw = await connectedWebSocket(server.port, slow.token);
    const ws_sid = JSON.parse(raw.frames.find((f) => f.startsWith('0{')).slice(1)).sid;
    raw.ws._socket.pause();
    // And a client of `slow` that keeps up.
    const fast = await connectSocket(server.url, { token: slow.token, transports: ['websocket'] });
    try {
      const log_from = server.log_length();
      const cut_off = (sid) => server.log_since(log_from).split('\n').some((l) => l.includes(sid) && /backpressure/.test(l));
      const text = '가'.repeat(3990); // about 12 KB of JSON per message
      let sent = 0;
      // Bounded: at most 4,000 messages (about 48 MB through the fan-out); stops once both are cut off.
      while (sent < 4000 && !(cut_off(polling_sid) && cut_off(ws_sid))) {
        await mapConcurrent(Array.from({ length: 100 }, (_, i) => sent + i), 16, (i) => postMessage(server.url, flooder.token, flood_room, `${i} ${text}`));
        sent += 100;
      }
      assert.ok(cut_off(polling_sid), `the polling session that never reads was not cut off after ${sent} messages`);
      assert.ok(cut_off(ws_sid), `the WebSocket that never reads was not cut off after ${sent} messages`);

      // The fast client got every one of them, in order.
      const got = await fast.log.waitForCount('message', (m) => m.roomId === flood_room, sent, { timeout: 20_000 });
      assert.deepEqual(got.map((e) => e.args[0].seq), Array.from({ length: sent }, (_, i) => i + 1));

      // The cut-off connections are gone.
      await assertPollingClosed(server.port, polling_sid);
      raw.ws._socket.resume();
      await raw.expectClosed(10_000);
    } finally {
      raw.terminate();
      await closeSocket(fast);
    }
    await stillServes();
  });

  test('after all of it, a burst of raw garbage connections does not take the server down', async () => {
    const raws = await Promise.all(Array.from({ length: 20 }, () => connectedWebSocket(server.port, loner.token)));
    const garbage = ['9', '4', '42[', '451-[', '4\u0000', '2probe', '5', '0', Buffer.alloc(10, 0xff)];
    raws.forEach((r, i) => r.send(garbage[i % garbage.length]));
    for (const r of raws) r.terminate();
    await stillServes();
    const health = await api(server.url, 'GET', '/api/health');
    assert.equal(health.status, 200);
  });
});
