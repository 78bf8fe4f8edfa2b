// SIGTERM: the server stops taking new work, finishes the request in flight, and exits 0.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { api, default_password, login, print_log, startServer, uniqueEmail } from './lib/server.mjs';
import { openConnection } from './lib/raw_http.mjs';

// Resolves once a new connection to `port` is refused, closed unanswered or answered 503: evidence that the
// server began its shutdown. Retries while the server still serves new connections normally.
async function stoppedServing(port, timeout_ms = 5000) {
  const deadline = Date.now() + timeout_ms;
  while (Date.now() < deadline) {
    const outcome = await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let data = '';
      socket.on('connect', () => socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      socket.on('data', (d) => (data += d.toString('latin1')));
      socket.on('error', () => resolve('refused'));
      socket.on('close', () => resolve(/^HTTP\/1\.1 200/.test(data) ? 'served' : 'stopped'));
      socket.setTimeout(2000, () => socket.destroy());
    });
    if (outcome !== 'served') return outcome;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`the server still serves new connections ${timeout_ms} ms after SIGTERM`);
}

describe('shutdown', { timeout: 60_000 }, () => {
  const started = [];
  after(async () => {
    for (const s of started) {
      await s.kill9();
      await s.remove_data();
    }
  });

  it('SIGTERM finishes the request in flight (a signup sent half before, half after), then exits 0', async () => {
    const srv = await startServer();
    started.push(srv);
    let restarted;
    try {
      const conn = await openConnection(srv.port);
      // A first request on this connection, so the server holds it as one of its own.
      await conn.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal((await conn.nextResponse()).status, 200);

      const email = uniqueEmail('inflight');
      const body = JSON.stringify({ email, password: default_password });
      const cut = Math.floor(body.length / 2);
      await conn.write(`POST /api/user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, cut)}`);
      // A full round trip on another connection after the first half was written: by then the server has
      // read the headers of the signup (same loopback, earlier bytes).
      assert.equal((await api(srv.url, 'GET', '/api/health')).status, 200);

      srv.proc.kill('SIGTERM');
      await stoppedServing(srv.port);
      assert.equal(srv.exit_info(), null, 'the server exited with a request in flight');

      await conn.write(body.slice(cut));
      const res = await conn.nextResponse(15_000);
      assert.equal(res.status, 201, `the in-flight signup got ${res.status} ${res.text}`);
      assert.equal(res.json.email, email);
      await conn.closed; // the server closes the connection after that response
      assert.deepEqual(await srv.exited, { code: 0, signal: null }, 'exit after SIGTERM');

      // The signup really was committed before the exit.
      restarted = await startServer({ dataDir: srv.dataDir });
      started.push(restarted);
      const { user } = await login(restarted.url, email);
      assert.equal(user.id, res.json.id);
      await restarted.stop();
    } catch (err) {
      print_log('suda log', srv.log());
      if (restarted) print_log('suda log after restart', restarted.log());
      throw err;
    }
  });

  it('SIGTERM with idle keep-alive connections open exits 0 promptly and closes them', async () => {
    const srv = await startServer();
    started.push(srv);
    try {
      const idle = [];
      for (let i = 0; i < 3; i++) {
        const conn = await openConnection(srv.port);
        await conn.write('GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n');
        assert.equal((await conn.nextResponse()).status, 200);
        idle.push(conn);
      }
      const t0 = Date.now();
      await srv.stop();
      assert.ok(Date.now() - t0 < 5000, `exit took ${Date.now() - t0} ms with idle connections open`);
      await Promise.all(idle.map((c) => c.closed));
    } catch (err) {
      print_log('suda log', srv.log());
      throw err;
    }
  });
});
