// The official browser bundle (socket.io.min.js) in Debian's Chromium, driven by playwright-core: a page
// served by suda itself (--web-root, CSP script-src 'self', so no inline script) logs in with fetch (the
// session cookie), connects with io(), sends a message with ack and shows a message posted over HTTP.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { api, make_temp_dir, newUser, useServer } from './lib/server.mjs';
import { postMessage, history } from './lib/chat.mjs';
import { connectSocket, closeSocket } from './lib/realtime.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const bundle = path.join(path.dirname(require.resolve('socket.io-client/package.json')), 'dist', 'socket.io.min.js');
const chromium_path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ui_timeout_ms = 10_000;

describe('the browser bundle in Chromium', { skip: existsSync(chromium_path) ? false : `no Chromium at ${chromium_path} (apt-get install -y chromium)` }, () => {
  let web_root;
  const server = useServer(async () => {
    web_root = await make_temp_dir('browser');
    await mkdir(web_root, { recursive: true });
    await copyFile(bundle, path.join(web_root, 'socket.io.min.js'));
    // suda serves a web root only when it has an index.html: the page is the index.
    await copyFile(path.join(here, 'browser', 'page.html'), path.join(web_root, 'index.html'));
    await copyFile(path.join(here, 'browser', 'page.js'), path.join(web_root, 'page.js'));
    return { args: ['--web-root', web_root] };
  });
  let browser;
  let page;
  const console_lines = [];

  before(async () => {
    browser = await chromium.launch({
      executablePath: chromium_path,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      timeout: 30_000,
    });
    const context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(ui_timeout_ms);
    page.on('console', (m) => console_lines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => console_lines.push(`pageerror: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) console_lines.push(`response: ${r.status()} ${r.url()}`);
    });
  });

  after(async () => {
    await browser?.close();
    if (web_root) await rm(web_root, { recursive: true, force: true });
  });

  const text = (selector) => page.locator(selector).textContent();
  // Waits until the element's text satisfies `pred` (polled by Chromium, bounded by ui_timeout_ms).
  async function waitText(selector, pattern) {
    await page.waitForFunction(
      ([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ''),
      [selector, pattern.source],
      { timeout: ui_timeout_ms },
    ).catch(async (err) => {
      throw new Error(`${selector} never matched ${pattern}: it reads ${JSON.stringify(await text(selector))}; ` +
        `errors: ${JSON.stringify(await text('#errors'))}; console: ${JSON.stringify(console_lines)}\n${err.message}`);
    });
  }

  test('the page logs in with fetch, connects with io() on the cookie, sends with ack and receives over HTTP', async () => {
    const kim = await newUser(server.url, { tag: 'kim', displayName: 'Kim' });
    const lee = await newUser(server.url, { tag: 'lee', displayName: 'Lee' });
    const res = await api(server.url, 'POST', `/api/dm/${lee.user.id}`, { token: kim.token });
    assert.equal(res.status, 201, res.text);
    const room = res.json;
    // Lee watches from Node.
    const lee_socket = await connectSocket(server.url, { token: lee.token });

    const nav = await page.goto(`${server.url}/`);
    assert.equal(nav.status(), 200);
    assert.match(nav.headers()['content-security-policy'] ?? '', /script-src 'self'/);

    await page.fill('#email', kim.email);
    await page.fill('#password', kim.password);
    await page.fill('#room', room.id);
    await page.click('#login');
    await waitText('#status', /^connected$/);
    // The session cookie is HttpOnly: the page never sees it, yet it authenticated the socket.
    assert.equal(await page.evaluate(() => document.cookie.includes('suda_session')), false);
    const cookies = await page.context().cookies(server.url);
    assert.ok(cookies.some((c) => c.name === 'suda_session' && c.httpOnly), JSON.stringify(cookies));

    // The browser upgrades to websocket.
    await waitText('#transport', /^websocket$/);

    // Send with ack from the page.
    await page.fill('#text', '브라우저에서 안녕');
    await page.click('#send');
    await waitText('#ack', /^seq \d+ 브라우저에서 안녕$/);
    const seq = Number((await text('#ack')).split(' ')[1]);
    const got = await lee_socket.log.waitFor('message', (m) => m.seq === seq && m.roomId === room.id);
    assert.equal(got.args[0].message, '브라우저에서 안녕');
    assert.equal(got.args[0].userId, kim.user.id);
    const page1 = await history(server.url, lee.token, room.id, { limit: 1 });
    assert.equal(page1.messages[0].seq, seq);
    // The page shows its own message too (the sender's sockets get it).
    await waitText('#messages', /브라우저에서 안녕/);

    // Lee posts over HTTP; the page shows it.
    const posted = await postMessage(server.url, lee.token, room.id, 'hello from HTTP');
    await waitText('#messages', new RegExp(`${posted.seq} Lee: hello from HTTP`));

    // Typing from Node reaches the page's socket (checked through the page's event log).
    await lee_socket.timeout(5000).emitWithAck('typing', { roomId: room.id });
    await page.waitForFunction((id) => window.suda.events.some(([n, p]) => n === 'typing' && p.roomId === id), room.id);

    assert.equal(await text('#errors'), '', `page errors: ${await text('#errors')}`);
    assert.deepEqual(console_lines.filter((l) => /^(error|pageerror|response)/.test(l)), []);
    await closeSocket(lee_socket);
  });
});
