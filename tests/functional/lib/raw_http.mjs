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
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (buf.length - body_start < length) return null;
    bytes = buf.subarray(body_start, body_start + length);
  } else if (ended) {
    bytes = buf.subarray(body_start);
  } else {
    return null;
  }
  const text = bytes.toString('utf8');
  return { status, headers, bytes, text, json: parse_json(headers, text) };
}

// Announces a body of `length` bytes and streams it in chunks only while the server has not answered yet.
// Resolves with the server's answer; a server that closes after answering (as it should past a limit)
// is fine, since the answer is read before the close.
export function sendOversized(port, { method = 'POST', path, headers = {}, length, fill = 0x61 }) {
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
