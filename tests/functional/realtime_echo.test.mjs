// suda-echo, the protocol test server: Socket.IO namespaces, auth, events and acks with binary attachments,
// and the raw Engine.IO echo at /engine.io/, driven by the official socket.io-client and engine.io-client.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Socket as EngineSocket } from 'engine.io-client';
import { io, Manager } from 'socket.io-client';
import { ack, closeSocket, connectError, default_timeout_ms, EventLog, useEcho, useSockets } from './lib/realtime.mjs';

const transport_sets = [['polling', 'websocket'], ['polling'], ['websocket']];

// Buffers come back from socket.io-client as Buffers (Node); compare them by bytes.
function normalize(value) {
  if (Buffer.isBuffer(value)) return { buffer: [...value] };
  if (value instanceof ArrayBuffer) return { buffer: [...new Uint8Array(value)] };
  if (ArrayBuffer.isView(value)) return { buffer: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  if (Array.isArray(value)) return value.map(normalize);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  return value;
}

const cases = [
  ['a string', ['hello']],
  ['several arguments of every JSON type', [1, 'two', { three: [3, null, true] }, false, -0.5, '안녕 👋']],
  ['a Buffer', [Buffer.from([1, 2, 3])]],
  ['an empty Buffer', [Buffer.alloc(0)]],
  ['Buffers nested in objects and arrays', [{ a: Buffer.from([1, 2, 3]), b: [Buffer.from([4]), { c: Buffer.from([0, 255]) }] }, 'text', Buffer.from('xyz')]],
  ['a large Buffer', [Buffer.alloc(200_000, 7)]],
  ['an object that looks like a placeholder', [{ _placeholder: true, num: 0 }]],
];

describe('suda-echo over Socket.IO', () => {
  const echo = useEcho();
  const sockets = useSockets();

  for (const transports of transport_sets) {
    const label = transports.join('+');

    test(`${label}: connecting to "/" emits auth with the CONNECT payload`, async () => {
      const auth = { token: 'abc', nested: { n: 1, list: [1, 'two'] } };
      const socket = sockets.add(io(echo.url, { forceNew: true, reconnection: false, transports, auth }));
      const got = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no auth event')), default_timeout_ms);
        socket.on('auth', (payload) => {
          clearTimeout(timer);
          resolve(payload);
        });
      });
      assert.deepEqual(got, auth);
    });

    test(`${label}: message is answered with message-back, same arguments, binary included`, async () => {
      const socket = await sockets.connect(echo.url, { transports, auth: { x: 1 } });
      for (const [what, args] of cases) {
        const from = socket.log.length;
        socket.emit('message', ...args);
        const back = await socket.log.waitFor('message-back', () => true, { from, what });
        assert.deepEqual(normalize(back.args), normalize(args), what);
        if (args.some((a) => Buffer.isBuffer(a))) {
          assert.ok(back.args.some((a) => Buffer.isBuffer(a) || a instanceof ArrayBuffer), `${what}: a Buffer came back as ${typeof back.args[0]}`);
        }
      }
    });

    test(`${label}: message-with-ack acks with the same arguments, binary included`, async () => {
      const socket = await sockets.connect(echo.url, { transports });
      for (const [what, args] of cases) {
        const reply = await socket.timeout(default_timeout_ms).emitWithAck('message-with-ack', ...args);
        // emitWithAck resolves with the first argument of the ack.
        assert.deepEqual(normalize(reply), normalize(args[0]), what);
        const all = await new Promise((resolve, reject) => {
          socket.timeout(default_timeout_ms).emit('message-with-ack', ...args, (err, ...ack_args) => (err ? reject(err) : resolve(ack_args)));
        });
        assert.deepEqual(normalize(all), normalize(args), `${what} (every argument)`);
      }
    });
  }

  test('many events in a burst come back in order', async () => {
    const socket = await sockets.connect(echo.url, { transports: ['websocket'] });
    const n = 500;
    for (let i = 0; i < n; i++) socket.emit('message', i, i % 10 === 0 ? Buffer.from([i & 0xff]) : `n${i}`);
    const backs = await socket.log.waitForCount('message-back', () => true, n, { timeout: 10_000 });
    assert.deepEqual(backs.map((e) => e.args[0]), Array.from({ length: n }, (_, i) => i));
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => ack(socket, 'message-with-ack', { i })));
    assert.deepEqual(replies, Array.from({ length: 50 }, (_, i) => ({ i })));
  });

  test('namespace "/custom" emits auth too', async () => {
    const auth = { who: 'custom' };
    const socket = sockets.add(io(`${echo.url}/custom`, { forceNew: true, reconnection: false, auth }));
    const got = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no auth event on /custom')), default_timeout_ms);
      socket.on('auth', (payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
      socket.on('connect_error', (err) => reject(err));
    });
    assert.deepEqual(got, auth);
    assert.equal(socket.connected, true);
  });

  // One Manager (one Engine.IO connection) for "/" and "/custom".
  async function multiplexed(transports) {
    const manager = new Manager(echo.url, { reconnection: false, transports });
    const root = sockets.add(manager.socket('/', { auth: { ns: '/' } }));
    const root_log = new EventLog(root);
    await root_log.waitFor('connect');
    return { manager, root, root_log };
  }

  test('"/" and "/custom" share one connection (multiplexing)', async () => {
    for (const transports of transport_sets) {
      const { manager, root, root_log } = await multiplexed(transports);
      // manager.socket() connects by itself (autoConnect) over the open connection.
      const custom = sockets.add(manager.socket('/custom', { auth: { ns: 'custom' } }));
      const custom_log = new EventLog(custom);
      const got = await custom_log.waitFor('auth');
      assert.deepEqual(got.args[0], { ns: 'custom' });
      assert.equal(custom.io, root.io);
      assert.equal(await ack(root, 'message-with-ack', 'still on /'), 'still on /');
      assert.deepEqual(root_log.all('disconnect'), []);
      // Leaving /custom leaves "/" connected.
      custom.disconnect();
      assert.equal(await ack(root, 'message-with-ack', 'after /custom left'), 'after /custom left');
      root.disconnect();
    }
  });

  test('connect() on a socket of an already open connection (a repeated CONNECT) keeps the connection', async () => {
    // manager.socket() on an open Manager sends CONNECT at once (autoConnect); an explicit connect() right
    // after it (a common pattern) sends a second CONNECT for the same namespace before the first is answered.
    // The reference server (socket.io 4.8) only refuses a CONNECT for a namespace already joined, so it
    // answers both; the connection, and the "/" socket multiplexed on it, must survive.
    const { manager, root, root_log } = await multiplexed(['websocket']);
    const custom = sockets.add(manager.socket('/custom', { auth: { ns: 'custom' } }));
    const custom_log = new EventLog(custom);
    custom.connect();
    await custom_log.waitFor('auth');
    assert.equal(await ack(root, 'message-with-ack', 'still on /'), 'still on /');
    assert.deepEqual(root_log.all('disconnect').map((e) => e.args[0]), [], '"/" was disconnected');
    assert.equal(custom.connected, true);
  });

  test('namespace "/random" is refused with connect_error "Invalid namespace"', async () => {
    for (const transports of transport_sets) {
      const err = await connectError(`${echo.url}/random`, { transports });
      assert.equal(err.message, 'Invalid namespace');
    }
  });

  test('a client disconnect and reconnect works', async () => {
    const socket = await sockets.connect(echo.url, { transports: ['websocket'] });
    await closeSocket(socket);
    socket.connect();
    await socket.log.waitFor('connect', () => true, { from: socket.log.all('disconnect')[0].at });
    assert.equal(await ack(socket, 'message-with-ack', 'again'), 'again');
  });
});

describe('suda-echo over raw Engine.IO (/engine.io/)', () => {
  // Debug logs: a failing test prints why the server closed a connection.
  const echo = useEcho({ args: ['--log-level', 'debug'] });

  // An engine.io-client socket with its messages recorded; resolves once open.
  async function openEngine(transports) {
    const socket = new EngineSocket(echo.url, { path: '/engine.io/', transports });
    const messages = [];
    const waiters = new Set();
    socket.on('message', (data) => {
      messages.push(data);
      for (const w of waiters) w();
    });
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('engine.io-client did not open')), default_timeout_ms);
      socket.once('open', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    socket.waitCount = (n) => new Promise((resolve, reject) => {
      const check = () => {
        if (messages.length >= n) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice(0, n));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`only ${messages.length} of ${n} echoes`));
      }, default_timeout_ms);
      waiters.add(check);
      check();
    });
    return socket;
  }

  for (const transports of transport_sets) {
    test(`${transports.join('+')}: text and binary messages are echoed as they came`, async () => {
      const socket = await openEngine(transports);
      try {
        const sent = ['hello', '', '안녕 👋', 'x'.repeat(100_000), Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.alloc(50_000, 0xab), '{"json":"text"}'];
        for (const m of sent) socket.send(m);
        const got = await socket.waitCount(sent.length);
        assert.equal(got.length, sent.length);
        for (let i = 0; i < sent.length; i++) {
          if (sent[i] === '') {
            // The server echoes the bare packet "4"; engine.io-parser decodes it as a message without data.
            assert.ok(got[i] === '' || got[i] === undefined, `empty message came back as ${JSON.stringify(got[i])}`);
          } else if (typeof sent[i] === 'string') {
            assert.equal(typeof got[i], 'string', `message ${i} came back as ${typeof got[i]}`);
            assert.equal(got[i], sent[i]);
          } else {
            assert.notEqual(typeof got[i], 'string', `binary message ${i} came back as text`);
            assert.deepEqual(normalize(got[i]), normalize(sent[i]), `binary message ${i}`);
          }
        }
        if (transports.includes('websocket') && transports.length > 1) {
          // By now the upgrade has happened or is about to: one more echo after it.
          if (socket.transport.name !== 'websocket') {
            await new Promise((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error('no upgrade')), default_timeout_ms);
              socket.once('upgrade', () => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
          socket.send('after upgrade');
          const [last] = (await socket.waitCount(sent.length + 1)).slice(-1);
          assert.equal(last, 'after upgrade');
        }
      } finally {
        socket.close();
      }
    });
  }

  test('the heartbeat keeps a quiet connection open (pingInterval 300 ms)', async () => {
    const socket = await openEngine(['websocket']);
    try {
      // Wait for three server pings (engine.io-client emits "ping" for each), then echo once.
      let pings = 0;
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${pings} pings in 3 s`)), 3_000);
        socket.on('ping', () => {
          if (++pings === 3) {
            clearTimeout(timer);
            resolve();
          }
        });
        socket.on('close', (reason) => reject(new Error(`closed: ${reason}`)));
      });
      socket.send('still here');
      assert.deepEqual(await socket.waitCount(1), ['still here']);
    } finally {
      socket.close();
    }
  });
});
