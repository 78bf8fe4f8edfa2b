// The reference server of suda's benchmarks: the stack of the blog series suda grew from (Node.js, socket.io 4,
// SQLite written once per message, as the series' Prisma `chat.create` does), with the same routes, events and
// JSON shapes as suda, so one load generator (suda-bench) drives both the same way.
//
// It implements what the benchmarks touch, no more: sign-up, login (bearer token), group rooms, message
// history, and the Socket.IO `message` event (ack after the insert is committed, then a broadcast to the
// room's members only), plus catch-up on connect (`auth.lastSeqs`, then `synced`), like suda.
//
// Durability matches suda's: WAL journal with synchronous=FULL, so an ack means the row is on disk.
// Passwords are hashed as the original series did (one SHA-512, no salt): cheap, and not a thing to copy.
//
//   node server.mjs --listen 127.0.0.1:8090 --data-dir /tmp/ref [--batch]
//
// --batch: the messages that arrive in one event-loop turn are inserted in one transaction (group commit),
// then acked and broadcast in order. Without it, one transaction per message.
import Database from 'better-sqlite3';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';

const { values: args } = parseArgs({
  options: {
    listen: { type: 'string', default: '127.0.0.1:8090' },
    'data-dir': { type: 'string', default: './data-reference' },
    batch: { type: 'boolean', default: false },
  },
});
const [host, port_text] = args.listen.split(':');
const batch_mode = args.batch;

const max_body_bytes = 1 << 20;
const max_message_chars = 4000;
const max_page = 100;
const default_page = 50;

// ---- storage ---------------------------------------------------------------------------------------------
mkdirSync(args['data-dir'], { recursive: true });
const db = new Database(path.join(args['data-dir'], 'reference.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
    display_name TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id));
  CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_seq INTEGER NOT NULL DEFAULT 0);
  CREATE TABLE IF NOT EXISTS members (room_id TEXT NOT NULL REFERENCES rooms(id), user_id TEXT NOT NULL
    REFERENCES users(id), role TEXT NOT NULL, PRIMARY KEY (room_id, user_id));
  CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id);
  CREATE TABLE IF NOT EXISTS chats (id TEXT PRIMARY KEY, room_id TEXT NOT NULL REFERENCES rooms(id),
    seq INTEGER NOT NULL, user_id TEXT NOT NULL REFERENCES users(id), message TEXT NOT NULL,
    created_at INTEGER NOT NULL, client_msg_id TEXT, UNIQUE (room_id, seq));
`);

const sql = {
  insert_user: db.prepare('INSERT INTO users (id, email, password, display_name, created_at) VALUES (?, ?, ?, ?, ?)'),
  user_by_email: db.prepare('SELECT * FROM users WHERE email = ?'),
  user_by_id: db.prepare('SELECT * FROM users WHERE id = ?'),
  insert_session: db.prepare('INSERT INTO sessions (token, user_id) VALUES (?, ?)'),
  session: db.prepare('SELECT user_id FROM sessions WHERE token = ?'),
  insert_room: db.prepare('INSERT INTO rooms (id, title, created_by, created_at) VALUES (?, ?, ?, ?)'),
  insert_member: db.prepare('INSERT OR IGNORE INTO members (room_id, user_id, role) VALUES (?, ?, ?)'),
  room_members: db.prepare('SELECT user_id, role FROM members WHERE room_id = ?'),
  rooms_of_user: db.prepare('SELECT room_id FROM members WHERE user_id = ?'),
  next_seq: db.prepare('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq'),
  insert_chat: db.prepare(
    'INSERT INTO chats (id, room_id, seq, user_id, message, created_at, client_msg_id) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  page: db.prepare('SELECT * FROM chats WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?'),
  after: db.prepare('SELECT * FROM chats WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT 1000'),
  last_seq: db.prepare('SELECT last_seq FROM rooms WHERE id = ?'),
};

// In-memory caches (filled from the database on first use) for what every message checks.
const token_users = new Map();  // token -> user id
const room_members = new Map(); // room id -> Set of user ids
const users_by_id = new Map();  // user id -> row

function user_of_token(token) {
  if (!token) return null;
  let id = token_users.get(token);
  if (id === undefined) {
    id = sql.session.get(token)?.user_id ?? null;
    if (id) token_users.set(token, id);
  }
  return id;
}
function members_of(room_id) {
  let set = room_members.get(room_id);
  if (!set) {
    set = new Set(sql.room_members.all(room_id).map((m) => m.user_id));
    if (set.size) room_members.set(room_id, set);
  }
  return set;
}
function user_row(id) {
  let row = users_by_id.get(id);
  if (!row) {
    row = sql.user_by_id.get(id);
    if (row) users_by_id.set(id, row);
  }
  return row;
}

const iso = (ms) => new Date(ms).toISOString();
const user_json = (u, with_email) => ({
  id: u.id, ...(with_email ? { email: u.email } : {}), displayName: u.display_name, avatarUrl: null,
  createdAt: iso(u.created_at),
});
const message_json = (c) => ({
  id: c.id, seq: c.seq, roomId: c.room_id, userId: c.user_id, message: c.message, createdAt: iso(c.created_at),
  clientMsgId: c.client_msg_id ?? null,
});
const error_json = (code, message) => ({ error: { code, message } });

// One message: the room's next seq and the row, in one transaction (committed when it returns).
function store_message(m) {
  const { last_seq } = sql.next_seq.get(m.room_id);
  const row = { id: randomUUID(), room_id: m.room_id, seq: last_seq, user_id: m.user_id, message: m.message,
                created_at: Date.now(), client_msg_id: m.client_msg_id };
  sql.insert_chat.run(row.id, row.room_id, row.seq, row.user_id, row.message, row.created_at, row.client_msg_id);
  return row;
}
const store_one = db.transaction(store_message);
const store_many = db.transaction((batch) => batch.map(store_message));

// ---- HTTP API ----------------------------------------------------------------------------------------------
class http_error extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

function read_json(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > max_body_bytes) { reject(new http_error(413, 'payload_too_large', 'Body too large')); req.destroy(); }
      else chunks.push(c);
    });
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')); }
      catch { reject(new http_error(400, 'invalid_json', 'The body is not JSON')); }
    });
    req.on('error', reject);
  });
}

function require_user(req) {
  const auth = req.headers.authorization ?? '';
  const id = auth.startsWith('Bearer ') ? user_of_token(auth.slice(7)) : null;
  if (!id) throw new http_error(401, 'unauthorized', 'Log in first');
  return id;
}

const hash = (password) => createHash('sha512').update(password).digest('hex');

const routes = [
  ['GET', /^\/api\/health$/, async () => [200, { status: 'ok' }]],
  ['POST', /^\/api\/user$/, async (req) => {
    const { email, password } = await read_json(req);
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(email))
      throw new http_error(400, 'invalid_email', 'Not an email address');
    if (typeof password !== 'string' || password.length < 8)
      throw new http_error(400, 'weak_password', 'At least 8 characters');
    const row = { id: randomUUID(), email: email.toLowerCase(), password: hash(password),
                  display_name: email.split('@')[0], created_at: Date.now() };
    try {
      sql.insert_user.run(row.id, row.email, row.password, row.display_name, row.created_at);
    } catch (e) {
      if (String(e.code).startsWith('SQLITE_CONSTRAINT')) throw new http_error(409, 'email_taken', 'Taken');
      throw e;
    }
    return [201, user_json(row, true)];
  }],
  ['POST', /^\/api\/session$/, async (req) => {
    const { email, password } = await read_json(req);
    const row = typeof email === 'string' ? sql.user_by_email.get(email.toLowerCase()) : undefined;
    if (!row || typeof password !== 'string' || row.password !== hash(password))
      throw new http_error(401, 'invalid_credentials', 'Wrong email or password');
    const token = randomBytes(32).toString('base64url');
    sql.insert_session.run(token, row.id);
    token_users.set(token, row.id);
    return [200, { token, user: user_json(row, true) }];
  }],
  ['POST', /^\/api\/room$/, async (req) => {
    const user_id = require_user(req);
    const { title, members } = await read_json(req);
    if (typeof title !== 'string' || !title.length) throw new http_error(400, 'invalid_title', 'A room needs a title');
    const invited = Array.isArray(members) ? members.filter((m) => typeof m === 'string').slice(0, 1000) : [];
    for (const m of invited) if (!user_row(m)) throw new http_error(400, 'unknown_member', `No user ${m}`);
    const room = { id: randomUUID(), title, created_by: user_id, created_at: Date.now() };
    db.transaction(() => {
      sql.insert_room.run(room.id, room.title, room.created_by, room.created_at);
      sql.insert_member.run(room.id, user_id, 'owner');
      for (const m of invited) sql.insert_member.run(room.id, m, 'member');
    })();
    room_members.delete(room.id);
    const view = room_json(room);
    // Every live socket of every member joins the room at once, as in suda.
    for (const id of members_of(room.id)) {
      io.in(`user:${id}`).socketsJoin(room.id);
      io.to(`user:${id}`).emit('room', view);
    }
    return [201, view];
  }],
  ['GET', /^\/api\/room\/([^/]+)\/chat$/, async (req, match, url) => {
    const user_id = require_user(req);
    const room_id = decodeURIComponent(match[1]);
    if (!members_of(room_id).has(user_id)) throw new http_error(403, 'forbidden', 'Not a member of this room');
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? default_page) | 0, 1), max_page);
    const before_text = url.searchParams.get('before');
    const before = before_text === null ? Number.MAX_SAFE_INTEGER : Number(before_text);
    const rows = sql.page.all(room_id, before, limit + 1);
    return [200, { messages: rows.slice(0, limit).map(message_json), hasMore: rows.length > limit }];
  }],
];

function room_json(room) {
  const members = sql.room_members.all(room.id).map((m) => {
    const u = user_row(m.user_id);
    return { id: u.id, displayName: u.display_name, avatarUrl: null, role: m.role, lastReadSeq: 0 };
  });
  return { id: room.id, title: room.title, kind: 'group', createdAt: iso(room.created_at), createdBy: room.created_by,
           lastSeq: sql.last_seq.get(room.id)?.last_seq ?? 0, members };
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  for (const [method, pattern, handler] of routes) {
    const match = pattern.exec(url.pathname);
    if (!match) continue;
    if (req.method !== method) continue;
    try {
      const [status, body] = await handler(req, match, url);
      return send(res, status, body);
    } catch (e) {
      if (e instanceof http_error) return send(res, e.status, error_json(e.code, e.message));
      console.error(e);
      return send(res, 500, error_json('internal', 'Something went wrong'));
    }
  }
  if (!url.pathname.startsWith('/socket.io/')) send(res, 404, error_json('not_found', 'No such route'));
});
server.keepAliveTimeout = 60_000;

// ---- Socket.IO -------------------------------------------------------------------------------------------
const io = new Server(server, { serveClient: false, maxHttpBufferSize: max_body_bytes });

io.use((socket, next) => {
  const user_id = user_of_token(socket.handshake.auth?.token);
  if (!user_id) return next(new Error('unauthorized: log in first'));
  socket.data.user_id = user_id;
  next();
});

// Batch mode: what arrived in this turn of the event loop, committed together on the next one.
let pending = [];
function flush() {
  const batch = pending;
  pending = [];
  let rows;
  try {
    rows = store_many(batch);
  } catch (e) {
    console.error(e);
    for (const m of batch) m.ack(error_json('internal', 'Something went wrong'));
    return;
  }
  batch.forEach((m, i) => deliver(rows[i], m.ack));
}

function deliver(row, ack) {
  const message = message_json(row);
  ack(message);
  const author = user_row(row.user_id);
  io.to(row.room_id).emit('message', { ...message, author: { id: author.id, displayName: author.display_name, avatarUrl: null } });
}

io.on('connection', (socket) => {
  const user_id = socket.data.user_id;
  socket.join(`user:${user_id}`);
  socket.join(sql.rooms_of_user.all(user_id).map((r) => r.room_id));

  // Catch-up, as suda does it: what came after the seqs the client has, then `synced`.
  const last_seqs = socket.handshake.auth?.lastSeqs;
  if (last_seqs && typeof last_seqs === 'object') {
    const now = {};
    for (const [room_id, seq] of Object.entries(last_seqs)) {
      if (!members_of(room_id).has(user_id)) continue;
      for (const row of sql.after.all(room_id, Number(seq) || 0)) socket.emit('message', message_json(row));
      now[room_id] = sql.last_seq.get(room_id)?.last_seq ?? 0;
    }
    socket.emit('synced', { lastSeqs: now });
  }

  socket.on('message', (payload, ack) => {
    if (typeof ack !== 'function') ack = () => {};
    const room_id = payload?.roomId;
    const message = payload?.message;
    if (typeof room_id !== 'string' || typeof message !== 'string')
      return ack(error_json('invalid_field', "'roomId' and 'message' must be strings"));
    if (!message.length || message.length > max_message_chars)
      return ack(error_json('invalid_message', `1 to ${max_message_chars} characters`));
    if (!members_of(room_id).has(user_id)) return ack(error_json('forbidden', 'Not a member of this room'));
    const m = { room_id, user_id, message, client_msg_id: typeof payload.clientMsgId === 'string' ? payload.clientMsgId : null, ack };
    if (batch_mode) {
      if (pending.push(m) === 1) setImmediate(flush);
      return;
    }
    let row;
    try {
      row = store_one(m);
    } catch (e) {
      console.error(e);
      return ack(error_json('internal', 'Something went wrong'));
    }
    deliver(row, ack);
  });
});

server.listen(Number(port_text), host, () => {
  const { port } = server.address();
  console.log(`reference listening on http://${host}:${port}${batch_mode ? ' (batch)' : ''}`);
});

function shutdown() {
  io.close();
  server.close(() => {
    db.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 5000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
