// HTTP requests that fetch() cannot make: targets it would normalize ("/../x", "/%2e%2e/x"), and bodies
// over a limit, where the server may answer 413 before the body is sent and then close the connection.
import http from 'node:http';
import { connect } from 'node:net';

function parse_json(headers, text) {
  if (!String(headers['content-type'] ?? '').includes('json') || !text.length) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// One request with the target sent exactly as given (no normalization, no percent-decoding).
export function rawRequest(port, { method = 'GET', path, headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers, agent: false, timeout: 10_000 },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, bytes, text, json: parse_json(res.headers, text) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Decodes a chunked body starting at `at`; null while incomplete. Trailers are skipped.
function decode_chunked(buf, at) {
  const parts = [];
  for (;;) {
    const line_end = buf.indexOf('\r\n', at);
    if (line_end < 0) return null;
    const size = parseInt(buf.subarray(at, line_end).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked body');
    at = line_end + 2;
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', at - 2);
      if (end < 0) return null;
      return { bytes: Buffer.concat(parts), consumed: end + 4 };
    }
    if (buf.length < at + size + 2) return null;
    parts.push(buf.subarray(at, at + size));
    at += size + 2;
  }
}

// Parses one complete HTTP/1.1 response from `buf`; null while incomplete.
function parse_response(buf, ended) {
  const head_end = buf.indexOf('\r\n\r\n');
  if (head_end < 0) return null;
  const lines = buf.subarray(0, head_end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body_start = head_end + 4;
  let bytes;
  let consumed;
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const chunked = decode_chunked(buf, body_start);
    if (!chunked) return null;
    ({ bytes, consumed } = chunked);
  } else if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buf.length - body_start < length) return null;
    bytes = buf.subarray(body_start, body_start + length);
  } else if (status === 204 || status === 304) {
    bytes = buf.subarray(body_start, body_start);
  } else if (ended) {
    bytes = buf.subarray(body_start);
  } else {
    return null;
  }
  const text = bytes.toString('utf8');
  consumed ??= body_start + bytes.length;
  return { status, headers, bytes, text, json: parse_json(headers, text), consumed };
}

// Announces a body of `length` bytes; when the server has not answered from the headers alone within
// `header_grace_ms`, streams the body in chunks until it answers. Resolves with the server's answer.
export function sendOversized(port, { method = 'POST', path, headers = {}, length, fill = 0x61, header_grace_ms = 1000 }) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let answered = false;
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, fill);
    const timer = setTimeout(() => finish(new Error(`${method} ${path}: no answer within 20 s (sent ${sent} bytes)`)), 20_000);

    const finish = (err, value) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve({ ...value, bytes_sent: sent });
    };
    const try_parse = (ended) => {
      const res = parse_response(received, ended);
      if (res) finish(null, res);
      else if (ended) finish(new Error(`${method} ${path}: connection closed without a complete answer ` +
        `after ${sent} body bytes; got ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
    };

    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      try_parse(false);
    });
    socket.on('end', () => try_parse(true));
    // A reset after the answer arrived is expected; before it, it is the failure being reported.
    socket.on('error', () => try_parse(true));
    socket.on('connect', async () => {
      const head = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', `Content-Length: ${length}`];
      for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
      socket.write(head.join('\r\n') + '\r\n\r\n');
      // The announced length alone is over the limit, so a server can answer from the headers. Give it
      // that chance before sending any body: once body bytes are in flight, a server that answers and
      // closes makes the kernel reset the connection, and the answer may be lost with it.
      await new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          socket.off('data', done);
          socket.off('close', done);
          resolve();
        };
        const timer = setTimeout(done, header_grace_ms);
        socket.on('data', done);
        socket.on('close', done);
      });
      while (!answered && sent < length && !socket.destroyed) {
        const part = length - sent >= chunk.length ? chunk : chunk.subarray(0, length - sent);
        sent += part.length;
        if (!socket.write(part)) {
          // Wait for the kernel buffer to drain, or for the answer / close that makes further writes moot.
          await new Promise((resolve) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('data', done);
              socket.off('close', done);
              resolve();
            };
            socket.on('drain', done);
            socket.on('data', done);
            socket.on('close', done);
          });
        }
      }
    });
  });
}

// Writes `bytes` on a fresh connection and collects whatever comes back until the server closes it
// (or `timeout_ms` passes). For requests too broken for any HTTP client to send.
export function sendBytes(port, bytes, timeout_ms = 10_000) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks = [];
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const timer = setTimeout(() => finish(false), timeout_ms);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
  });
}

// One keep-alive connection driven by hand: write bytes whenever the test wants, read responses in order.
export async function openConnection(port) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = Buffer.alloc(0);
  let ended = false;
  let waiter = null;
  const closed = new Promise((resolve) => socket.on('close', resolve));
  const wake = () => {
    if (waiter) waiter();
  };
  socket.on('data', (d) => {
    buffer = Buffer.concat([buffer, d]);
    wake();
  });
  socket.on('end', () => {
    ended = true;
    wake();
  });
  socket.on('error', () => {
    ended = true;
    wake();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  return {
    socket,
    closed,
    write: (data) => new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve()))),
    // The next complete response; rejects when the connection ends first.
    async nextResponse(timeout_ms = 10_000) {
      const deadline = Date.now() + timeout_ms;
      for (;;) {
        const res = parse_response(buffer, ended);
        if (res) {
          buffer = buffer.subarray(res.consumed);
          return res;
        }
        if (ended) throw new Error(`connection closed without a complete response (${buffer.length} bytes pending)`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no response within ${timeout_ms} ms`);
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          waiter = () => {
            clearTimeout(timer);
            waiter = null;
            resolve();
          };
        });
      }
    },
    destroy: () => socket.destroy(),
  };
}
