// The harness: starts the real suda binary on a free port with a fresh data dir, and the small HTTP
// helpers every suite uses. No dependency beyond Node 20 (global fetch, node:test).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

const repo_root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const suda_bin = process.env.SUDA_BIN ?? path.join(repo_root, 'build/src/suda');

const startup_timeout_ms = 20_000;
const ready_poll_interval_ms = 50;
const stop_timeout_ms = 15_000;
// The captured log is kept bounded: a runaway server must not exhaust the test process.
const max_log_chars = 4 << 20;

// Login limits are relaxed unless a test sets them: every suite logs in from 127.0.0.1, and the default
// (20 per minute per IP) would otherwise turn a busy suite into a rate-limit test.
const relaxed_defaults = [
  ['--login-rate-ip', '100000'],
  ['--login-rate-account', '100000'],
];

// A TCP port that was free a moment ago on 127.0.0.1.
export async function free_port() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

export async function make_temp_dir(tag = 'data') {
  return mkdtemp(path.join(tmpdir(), `suda-ft-${tag}-`));
}

// Spawns `bin` with its output captured (a bounded tail) and polls `ready()` until it resolves true. Rejects
// when the process exits or cannot be started first, or is not ready within the startup timeout (it is
// killed then). `name` and `waiting_for` only word the errors. The handle: the process, its log, its exit,
// stop() (SIGTERM, wait, require exit code 0) and kill9().
export async function startProcess({ name, bin, args = [], spawn_options = {}, ready, waiting_for = 'become ready',
  max_log = max_log_chars } = {}) {
  const proc = spawn(bin, args, { ...spawn_options, stdio: ['ignore', 'pipe', 'pipe'] });

  let log = '';
  let log_dropped = 0;
  const append = (chunk) => {
    log += chunk.toString('utf8');
    if (log.length > max_log) {
      log_dropped += log.length - max_log / 2;
      log = log.slice(log.length - max_log / 2);
    }
  };
  proc.stdout.on('data', append);
  proc.stderr.on('data', append);

  let exit_info = null;
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exit_info = { code, signal };
      resolve(exit_info);
    });
  });
  const spawn_error = new Promise((resolve) => proc.on('error', resolve));

  const handle = {
    proc,
    // Everything the process printed so far (a bounded tail).
    log: () => (log_dropped ? `[... ${log_dropped} chars dropped ...]\n` : '') + log,
    log_length: () => log_dropped + log.length,
    log_since: (offset) => log.slice(Math.max(0, offset - log_dropped)),
    exited,
    exit_info: () => exit_info,
    // SIGTERM, wait for the exit, and require a clean exit code 0.
    async stop() {
      if (!exit_info) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), stop_timeout_ms);
        await exited;
        clearTimeout(timer);
      }
      assert.deepEqual(exit_info, { code: 0, signal: null },
        `${name} did not exit cleanly after SIGTERM (${JSON.stringify(exit_info)}); log:\n${handle.log()}`);
    },
    // SIGKILL: no chance to flush anything; resolves once the process is gone.
    async kill9() {
      if (!exit_info) proc.kill('SIGKILL');
      return exited;
    },
  };

  const deadline = Date.now() + startup_timeout_ms;
  for (;;) {
    const failure = await Promise.race([
      exited.then((e) => `exited during startup (${JSON.stringify(e)})`),
      spawn_error.then((e) => `could not be started: ${e.message}`),
      ready().then((ok) => (ok ? null : undefined)),
    ]);
    if (failure === null) return handle;
    if (typeof failure === 'string') {
      throw new Error(`${name} (${[bin, ...args].join(' ')}) ${failure}; log:\n${handle.log()}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      await exited;
      throw new Error(`${name} did not ${waiting_for} within ${startup_timeout_ms} ms; log:\n${handle.log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, ready_poll_interval_ms));
  }
}

// GET /api/health answers 200.
async function health_ok(url) {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

// Starts the binary and resolves once GET /api/health answers 200. `dataDir` reuses a folder (restart).
export async function startServer({ args = [], dataDir } = {}) {
  const data_dir = dataDir ?? (await make_temp_dir());
  const port = await free_port();
  const url = `http://127.0.0.1:${port}`;
  const full_args = ['--listen', `127.0.0.1:${port}`, '--data-dir', data_dir];
  for (const [flag, value] of relaxed_defaults) if (!args.includes(flag)) full_args.push(flag, value);
  full_args.push(...args);

  // A clean environment for the server: no SUDA_* setting of the caller leaks into it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SUDA_')));
  const child = await startProcess({
    name: 'suda',
    bin: suda_bin,
    args: full_args,
    // cwd is the data dir, so the default ./web/dist of the repo is never picked up by accident.
    spawn_options: { cwd: data_dir, env },
    ready: () => health_ok(url),
    waiting_for: 'answer GET /api/health',
  });
  return {
    ...child,
    url,
    port,
    dataDir: data_dir,
    args: full_args,
    async remove_data() {
      await rm(data_dir, { recursive: true, force: true });
    },
  };
}

// For a describe() block: one server for its tests (started before, stopped cleanly after), and the
// server's log printed for each test that fails. The returned object is filled in by the before hook.
export function useServer(options = {}) {
  const handle = {};
  let offset = 0;
  before(async () => {
    Object.assign(handle, await startServer(typeof options === 'function' ? await options() : options));
  });
  beforeEach(() => {
    offset = handle.log_length?.() ?? 0;
  });
  afterEach((t) => {
    if (t.passed === false && handle.log_since) print_log(`suda log during "${t.name}"`, handle.log_since(offset));
  });
  after(async () => {
    if (!handle.stop) return;
    await handle.stop();
    await handle.remove_data();
  });
  return handle;
}

export function print_log(title, text) {
  const lines = text.trimEnd().split('\n');
  const shown = lines.length > 200 ? ['[...]', ...lines.slice(-200)] : lines;
  process.stderr.write(`----- ${title} -----\n${shown.join('\n')}\n----- end of log -----\n`);
}

// One HTTP call. `body` is sent as JSON; `raw` (Buffer or string) is sent as is, with `headers` saying what
// it is. The answer: status, headers, the body as bytes and text, and the parsed JSON when it is JSON.
export async function api(url, method, path, { body, token, headers = {}, raw } = {}) {
  const h = { ...headers };
  let payload;
  if (raw !== undefined) {
    payload = raw;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  }
  if (token) h.Authorization = `Bearer ${token}`;
  const res = await fetch(url + path, { method, headers: h, body: payload, signal: AbortSignal.timeout(30_000) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json;
  if ((res.headers.get('content-type') ?? '').includes('json') && text.length) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, headers: res.headers, bytes, text, json };
}

export function uniqueEmail(tag = 'user') {
  return `${tag}-${randomBytes(6).toString('hex')}@example.com`;
}

export const default_password = 'correct horse battery';

// POST /api/user; asserts 201 and returns the user.
export async function signup(url, email, password = default_password) {
  const res = await api(url, 'POST', '/api/user', { body: { email, password } });
  assert.equal(res.status, 201, `signup of ${email}: ${res.status} ${res.text}`);
  return res.json;
}

// POST /api/session; asserts 200 and returns {token, user}.
export async function login(url, email, password = default_password) {
  const res = await api(url, 'POST', '/api/session', { body: { email, password } });
  assert.equal(res.status, 200, `login of ${email}: ${res.status} ${res.text}`);
  assert.equal(typeof res.json.token, 'string');
  return { token: res.json.token, user: res.json.user };
}

// signup + login: {token, user, email, password}; sets the display name when one is given.
export async function newUser(url, { tag = 'user', displayName, password = default_password } = {}) {
  const email = uniqueEmail(tag);
  await signup(url, email, password);
  const session = await login(url, email, password);
  if (displayName !== undefined) {
    const res = await api(url, 'PATCH', '/api/me', { token: session.token, body: { displayName } });
    assert.equal(res.status, 200, `set display name: ${res.status} ${res.text}`);
    session.user = res.json;
  }
  return { ...session, email, password };
}

// Asserts the one error shape: the status, {"error":{"code","message"}}, and the code when given.
export function assertError(res, status, code) {
  assert.equal(res.status, status, `expected ${status}${code ? ' ' + code : ''}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && typeof res.json === 'object', `error body is not JSON: ${res.text}`);
  assert.equal(typeof res.json.error, 'object', `no "error" object in ${res.text}`);
  assert.equal(typeof res.json.error.code, 'string', `no error code in ${res.text}`);
  assert.equal(typeof res.json.error.message, 'string', `no error message in ${res.text}`);
  if (code) assert.equal(res.json.error.code, code, `error code in ${res.text}`);
}

// A timestamp in an API body: milliseconds since the epoch or an ISO-8601 string. Returns milliseconds.
export function toMillis(value) {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value) && value > 1e12, `not a millisecond timestamp: ${value}`);
    return value;
  }
  assert.equal(typeof value, 'string', `not a timestamp: ${JSON.stringify(value)}`);
  const ms = Date.parse(value);
  assert.ok(!Number.isNaN(ms), `not a timestamp: ${value}`);
  return ms;
}

// Runs `fn` over `items` with at most `concurrency` calls in flight; returns the results in item order.
export async function mapConcurrent(items, concurrency, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
