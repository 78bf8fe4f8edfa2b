// Realtime helpers over the official socket.io-client: connect with auth, record every event a socket gets
// from the moment it is created, wait for an event (always with a timeout), and start suda-echo.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as tcp_connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io } from 'socket.io-client';
import { after, afterEach, before, beforeEach } from 'node:test';
import { createRoom } from './chat.mjs';
import { api, free_port, newUser, print_log, startProcess } from './server.mjs';

const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const echo_bin = process.env.SUDA_ECHO_BIN ?? path.join(repo_root, 'build/examples/suda-echo');

export const default_timeout_ms = 5_000;

// Every event a socket receives, in order, each as {event, args, at} (at: index in the log). Reserved
// events (connect, connect_error, disconnect) are recorded too, so a test can see them in the same order.
export class EventLog {
  constructor(socket) {
    this.socket = socket;
    this.events = [];
    this.waiters = new Set();
    socket.onAny((event, ...args) => this.push(event, args));
    socket.on('connect', () => this.push('connect', []));
    socket.on('connect_error', (err) => this.push('connect_error', [err]));
    socket.on('disconnect', (reason, details) => this.push('disconnect', [reason, details]));
  }

  push(event, args) {
    const entry = { event, args, at: this.events.length };
    this.events.push(entry);
    for (const waiter of [...this.waiters]) waiter(entry);
  }

  // Entries of `event` (or all entries when event is null) whose first argument satisfies `pred`.
  all(event, pred = () => true, from = 0) {
    return this.events.slice(from).filter((e) => (event === null || e.event === event) && pred(e.args[0], e));
  }

  // The first entry at index >= `from` of `event` whose first argument satisfies `pred`: already recorded,
  // or the next one to arrive within `timeout` ms. Resolves with the entry ({event, args, at}).
  waitFor(event, pred = () => true, { timeout = default_timeout_ms, from = 0, what } = {}) {
    const match = (e) => e.at >= from && (event === null || e.event === event) && pred(e.args[0], e);
    const found = this.events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = (e) => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(e);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.events.slice(from).map((e) => e.event + (e.event === 'message' ? `#${e.args[0]?.seq}` : ''));
        reject(new Error(`no "${event ?? 'event'}"${what ? ` (${what})` : ''} within ${timeout} ms; ` +
          `events seen since #${from}: ${seen.slice(-40).join(', ') || 'none'}`));
      }, timeout);
      this.waiters.add(waiter);
    });
  }

  // Waits until `count` entries of `event` satisfying `pred` have arrived (at index >= from); returns them.
  async waitForCount(event, pred, count, { timeout = default_timeout_ms, from = 0, what } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const got = this.all(event, pred, from);
      if (got.length >= count) return got;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`only ${got.length} of ${count} "${event}"${what ? ` (${what})` : ''} within ${timeout} ms`);
      }
      // Wait for any new matching entry, then count again.
      await this.waitFor(event, pred, { timeout: left, from: this.events.length, what }).catch(() => {});
    }
  }

  // The message payloads of one room, in arrival order.
  messages(roomId, from = 0) {
    return this.all('message', (m) => m?.roomId === roomId, from).map((e) => e.args[0]);
  }

  get length() {
    return this.events.length;
  }
}

// Creates a socket (not yet connected) with a log attached before anything can arrive. No reconnection:
// a test decides when a socket comes back. `token` goes into `auth`, next to `auth` fields given.
export function makeSocket(url, { token, auth, lastSeqs, ...options } = {}) {
  const full_auth = { ...(auth ?? {}) };
  if (token !== undefined) full_auth.token = token;
  if (lastSeqs !== undefined) full_auth.lastSeqs = lastSeqs;
  const socket = io(url, {
    forceNew: true,
    reconnection: false,
    timeout: default_timeout_ms,
    auth: full_auth,
    ...options,
  });
  const log = new EventLog(socket);
  socket.log = log;
  return socket;
}

// Connects and resolves with the connected socket (socket.log records its events); rejects with the
// connect_error's message.
export async function connectSocket(url, options = {}) {
  const socket = makeSocket(url, options);
  try {
    const first = await socket.log.waitFor(null, (_, e) => e.event === 'connect' || e.event === 'connect_error', {
      timeout: options.connectTimeout ?? default_timeout_ms,
      what: 'connect or connect_error',
    });
    if (first.event === 'connect_error') throw new Error(`connect_error: ${first.args[0]?.message}`);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

// Connects and expects a connect_error; resolves with the error (its .message, .data...).
export async function connectError(url, options = {}) {
  const socket = makeSocket(url, options);
  try {
    const first = await socket.log.waitFor(null, (_, e) => e.event === 'connect' || e.event === 'connect_error', {
      timeout: options.connectTimeout ?? default_timeout_ms,
      what: 'connect_error',
    });
    assert.equal(first.event, 'connect_error', 'the connection was accepted');
    return first.args[0];
  } finally {
    socket.close();
  }
}

// emitWithAck with a timeout: resolves with the ack's (first) argument.
export function ack(socket, event, payload, timeout = default_timeout_ms) {
  return socket.timeout(timeout).emitWithAck(event, payload);
}

// Sends a chat message with ack and asserts the ack is a stored message (not an error).
export async function sendMessage(socket, roomId, message, clientMsgId = crypto.randomUUID()) {
  const reply = await ack(socket, 'message', { roomId, message, clientMsgId });
  assert.ok(reply && !reply.error, `message ack is an error: ${JSON.stringify(reply)}`);
  assert.equal(reply.roomId, roomId);
  assert.equal(reply.message, message);
  assert.equal(typeof reply.seq, 'number');
  return reply;
}

// Disconnects the socket and resolves once the client has seen its own disconnect.
export async function closeSocket(socket) {
  if (!socket) return;
  if (!socket.connected) {
    socket.close();
    return;
  }
  const done = once(socket, 'disconnect');
  socket.close();
  await done;
}

export async function closeAll(sockets) {
  await Promise.all(sockets.splice(0).map((s) => closeSocket(s)));
}

// Waits until the socket's Engine.IO transport is "websocket" (after the upgrade), with a timeout.
export async function waitForWebSocket(socket, timeout = default_timeout_ms) {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no upgrade to websocket within ${timeout} ms ` +
      `(transport ${engine.transport.name})`)), timeout);
    engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export { free_port };

function port_open(port) {
  return new Promise((resolve) => {
    const socket = tcp_connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Starts suda-echo on a free port; resolves once it accepts connections. stop() sends SIGTERM and requires
// exit code 0.
export async function startEcho({ args = [] } = {}) {
  const port = await free_port();
  const child = await startProcess({
    name: 'suda-echo',
    bin: echo_bin,
    args: ['--listen', `127.0.0.1:${port}`, ...args],
    ready: () => port_open(port),
    waiting_for: 'listen',
    max_log: 1 << 20,
  });
  return { ...child, url: `http://127.0.0.1:${port}`, port };
}

// useServer() for suda-echo: one echo server per describe block, its log printed for failing tests.
export function useEcho(options = {}) {
  const handle = {};
  let offset = 0;
  before(async () => Object.assign(handle, await startEcho(options)));
  beforeEach(() => {
    offset = handle.log_length?.() ?? 0;
  });
  afterEach((t) => {
    if (t.passed === false && handle.log_since) print_log(`suda-echo log during "${t.name}"`, handle.log_since(offset));
  });
  after(async () => {
    if (handle.stop) await handle.stop();
  });
  return handle;
}

// Tracks the sockets a test opens and closes them all after it (also when it fails).
export function useSockets() {
  const sockets = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
  });
  return {
    add(socket) {
      sockets.push(socket);
      return socket;
    },
    async connect(url, options) {
      const socket = await connectSocket(url, options);
      sockets.push(socket);
      return socket;
    },
  };
}

// The cast of the chat suites: Alice, Bob and Carol (display names set), a DM of Alice and Bob, and a group
// of all three titled `groupTitle` that Alice creates. Resolves with {alice, bob, carol, dm, group}.
export async function aliceBobCarol(url, groupTitle) {
  const alice = await newUser(url, { tag: 'alice', displayName: 'Alice' });
  const bob = await newUser(url, { tag: 'bob', displayName: 'Bob' });
  const carol = await newUser(url, { tag: 'carol', displayName: 'Carol' });
  const res = await api(url, 'POST', `/api/dm/${bob.user.id}`, { token: alice.token });
  assert.equal(res.status, 201, res.text);
  const dm = res.json;
  const group = await createRoom(url, alice.token, groupTitle, [bob.user.id, carol.user.id]);
  return { alice, bob, carol, dm, group };
}

// The server process is still running (not exited, not crashed).
export function assertAlive(server) {
  assert.equal(server.exit_info(), null, `the server exited: ${JSON.stringify(server.exit_info())}\n${server.log()}`);
  assert.equal(server.proc.exitCode, null, 'the server process has an exit code');
}
