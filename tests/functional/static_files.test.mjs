// Static files with --web-root: the UI, the SPA fallback, hashed assets cached forever, no way out of the
// root, and /api/ paths never served from disk.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { api, assertError, make_temp_dir, useServer } from './lib/server.mjs';
import { rawRequest } from './lib/raw_http.mjs';

const index_html = '<!doctype html><html><head><title>suda test</title></head><body><div id="root">SPA-MARKER</div></body></html>\n';
const app_js = 'console.log("app-abc123");\n';
const secret = 'TOP-SECRET-OUTSIDE-THE-WEB-ROOT';

describe('static files (--web-root)', { timeout: 60_000 }, () => {
  let base;
  // base/web is the web root; base/secret.txt sits next to it, where no request may reach.
  const srv = useServer(async () => {
    base = await make_temp_dir('web');
    const web = path.join(base, 'web');
    await mkdir(path.join(web, 'assets'), { recursive: true });
    await writeFile(path.join(web, 'index.html'), index_html);
    await writeFile(path.join(web, 'assets', 'app-abc123.js'), app_js);
    await writeFile(path.join(base, 'secret.txt'), secret);
    return { args: ['--web-root', web] };
  });
  after(async () => {
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('GET / serves index.html as HTML', async () => {
    const res = await api(srv.url, 'GET', '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.text, index_html);
  });

  it('an app route without a file extension serves index.html (SPA)', async () => {
    for (const route of ['/some/app/route', '/rooms/123', '/login']) {
      const res = await api(srv.url, 'GET', route);
      assert.equal(res.status, 200, route);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.text, index_html);
    }
  });

  it('a hashed asset has a JavaScript MIME type and an immutable cache', async () => {
    const res = await api(srv.url, 'GET', '/assets/app-abc123.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    assert.equal(res.text, app_js);
  });

  it('a missing file with an extension is 404, not the SPA page', async () => {
    const res = await api(srv.url, 'GET', '/assets/app-missing.js');
    assert.equal(res.status, 404);
    assert.ok(!res.text.includes('SPA-MARKER'));
  });

  it('/../ and /%2e%2e/ never escape the web root', async () => {
    const targets = [
      '/../etc/passwd', '/%2e%2e/etc/passwd', '/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd',
      '/../../../../../../etc/passwd', '/assets/../../../../../../etc/passwd',
      '/../secret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt', '/%2e%2e%2fsecret.txt', '/..%5csecret.txt', '/..\\secret.txt', '/.%2e/secret.txt',
      '/%252e%252e/secret.txt', `/${path.basename(base)}/../secret.txt`,
    ];
    for (const target of targets) {
      const res = await rawRequest(srv.port, { path: target });
      assert.ok(!res.text.includes(secret), `${target} served a file outside the web root`);
      assert.ok(!res.text.includes('root:'), `${target} served /etc/passwd`);
      const refused = [400, 403, 404].includes(res.status);
      const spa = res.status === 200 && res.text === index_html;
      assert.ok(refused || spa, `${target}: ${res.status} ${res.text.slice(0, 100)}`);
    }
  });

  it('/api/nope is a JSON 404, never index.html', async () => {
    for (const target of ['/api/nope', '/api/some/deep/route']) {
      const res = await api(srv.url, 'GET', target);
      assertError(res, 404);
      assert.ok(!res.text.includes('SPA-MARKER'));
    }
  });

  it('the API still works next to the static files', async () => {
    const res = await api(srv.url, 'GET', '/api/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
  });
});
