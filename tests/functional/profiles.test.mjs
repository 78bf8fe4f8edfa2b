// Profiles: display names, avatars, looking users up and searching them.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { api, assertError, newUser, toMillis, useServer } from './lib/server.mjs';
import { makePng } from './lib/png.mjs';
import { sendOversized } from './lib/raw_http.mjs';

const is_webp = (bytes) =>
  bytes.length > 12 && bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';

describe('profiles', { timeout: 60_000 }, () => {
  const srv = useServer();
  let me;
  let other;
  before(async () => {
    me = await newUser(srv.url, { tag: 'profile-me' });
    other = await newUser(srv.url, { tag: 'profile-other' });
  });

  describe('display names', () => {
    it('PATCH /api/me sets a trimmed display name that GET /api/me and others then see', async () => {
      const res = await api(srv.url, 'PATCH', '/api/me', { token: me.token, body: { displayName: '  Alice Kim  ' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, me.user.id);
      assert.equal(res.json.displayName, 'Alice Kim');
      const mine = await api(srv.url, 'GET', '/api/me', { token: me.token });
      assert.equal(mine.json.displayName, 'Alice Kim');
      const seen = await api(srv.url, 'GET', `/api/users/${me.user.id}`, { token: other.token });
      assert.equal(seen.status, 200, seen.text);
      assert.equal(seen.json.displayName, 'Alice Kim');
    });

    it('a display name of 50 characters is accepted, counted in code points (50 Korean characters too)', async () => {
      for (const name of ['a'.repeat(50), '가'.repeat(50), '😀'.repeat(50)]) {
        const res = await api(srv.url, 'PATCH', '/api/me', { token: me.token, body: { displayName: name } });
        assert.equal(res.status, 200, `${[...name].length} code points: ${res.text}`);
        assert.equal(res.json.displayName, name);
      }
    });

    it('a display name that is empty after trimming or longer than 50 characters is 400 invalid_display_name', async () => {
      for (const displayName of ['', '   ', '\u3000', 'a'.repeat(51), '가'.repeat(51)]) {
        const res = await api(srv.url, 'PATCH', '/api/me', { token: me.token, body: { displayName } });
        assertError(res, 400, 'invalid_display_name');
      }
    });

    it('changing the display name needs a session', async () => {
      assertError(await api(srv.url, 'PATCH', '/api/me', { body: { displayName: 'Nobody' } }), 401, 'unauthorized');
    });
  });

  describe('looking users up', () => {
    it('GET /api/users/{id} shows the email only when it is me', async () => {
      const mine = await api(srv.url, 'GET', `/api/users/${me.user.id}`, { token: me.token });
      assert.equal(mine.status, 200, mine.text);
      assert.equal(mine.json.email, me.email);
      const theirs = await api(srv.url, 'GET', `/api/users/${other.user.id}`, { token: me.token });
      assert.equal(theirs.status, 200, theirs.text);
      assert.equal(theirs.json.id, other.user.id);
      assert.equal(typeof theirs.json.displayName, 'string');
      assert.ok(!('email' in theirs.json), `another user's email is shown: ${theirs.text}`);
      assert.ok(!theirs.text.includes(other.email), 'the email appears somewhere in the body');
    });

    it('GET /api/users/{id} of an unknown user is 404 not_found', async () => {
      const res = await api(srv.url, 'GET', '/api/users/00000000-0000-4000-8000-000000000000', { token: me.token });
      assertError(res, 404, 'not_found');
    });
  });

  describe('avatars', () => {
    it('uploading a PNG gives the user an avatarUrl that serves an immutable WebP', async () => {
      const res = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: me.token, raw: makePng(300, 200, 1), headers: { 'Content-Type': 'image/png' } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.id, me.user.id);
      assert.equal(typeof res.json.avatarUrl, 'string', res.text);
      const avatar = new URL(res.json.avatarUrl, srv.url);
      const image = await api(srv.url, 'GET', avatar.pathname + avatar.search, { token: me.token });
      assert.equal(image.status, 200, image.text.slice(0, 200));
      assert.match(image.headers.get('content-type') ?? '', /^image\/webp/);
      assert.match(image.headers.get('cache-control') ?? '', /immutable/);
      assert.ok(is_webp(image.bytes), 'the avatar is not a RIFF/WEBP file');

      const seen = await api(srv.url, 'GET', `/api/users/${me.user.id}`, { token: other.token });
      assert.equal(seen.json.avatarUrl, res.json.avatarUrl, 'others see the same avatarUrl');
    });

    it('uploading a different image changes the avatarUrl (the old URL is cached forever)', async () => {
      const first = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: other.token, raw: makePng(300, 200, 2), headers: { 'Content-Type': 'image/png' } });
      assert.equal(first.status, 200, first.text);
      const second = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: other.token, raw: makePng(200, 300, 3), headers: { 'Content-Type': 'image/png' } });
      assert.equal(second.status, 200, second.text);
      assert.notEqual(second.json.avatarUrl, first.json.avatarUrl);
    });

    it('garbage bytes labelled image/png are 400 invalid_image', async () => {
      const res = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: me.token, raw: randomBytes(4096), headers: { 'Content-Type': 'image/png' } });
      assertError(res, 400, 'invalid_image');
      const truncated = makePng(300, 200, 4).subarray(0, 200);
      const res2 = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: me.token, raw: truncated, headers: { 'Content-Type': 'image/png' } });
      assertError(res2, 400, 'invalid_image');
    });

    it('an avatar sent as text/plain is 415', async () => {
      const res = await api(srv.url, 'PUT', '/api/me/avatar',
        { token: me.token, raw: makePng(300, 200, 5), headers: { 'Content-Type': 'text/plain' } });
      assertError(res, 415);
    });

    it('an avatar body over 8 MiB is 413', async () => {
      const res = await sendOversized(srv.port, {
        method: 'PUT', path: '/api/me/avatar', length: 8 * 1024 * 1024 + 1,
        headers: { 'Content-Type': 'image/png', Authorization: `Bearer ${me.token}` },
      });
      assert.equal(res.status, 413, res.text);
    });

    it('uploading an avatar needs a session', async () => {
      const res = await api(srv.url, 'PUT', '/api/me/avatar',
        { raw: makePng(300, 200, 6), headers: { 'Content-Type': 'image/png' } });
      assertError(res, 401, 'unauthorized');
    });
  });

  describe('searching users', () => {
    // Two unrelated random prefixes: one for display names, one for an email.
    const prefix = `qz${randomBytes(4).toString('hex')}`;
    const mail_prefix = `qy${randomBytes(4).toString('hex')}`;
    let named;
    let by_email;
    before(async () => {
      named = [];
      for (const suffix of ['Ann', 'Bob', 'Cy']) {
        named.push(await newUser(srv.url, { tag: 'search', displayName: `${prefix} ${suffix}` }));
      }
      by_email = await newUser(srv.url, { tag: mail_prefix, displayName: 'Someone Else' });
    });

    const search = (params) => api(srv.url, 'GET', `/api/users?${new URLSearchParams(params)}`, { token: me.token });

    it('a display-name prefix finds those users, page by page, each exactly once, without emails', async () => {
      const seen = [];
      let cursor = null;
      for (let page = 0; page < 10; page++) {
        const params = { query: prefix, limit: '2' };
        if (cursor) params.cursor = cursor;
        const res = await search(params);
        assert.equal(res.status, 200, res.text);
        assert.ok(Array.isArray(res.json.users), res.text);
        assert.ok(res.json.users.length <= 2, 'a page is larger than its limit');
        for (const u of res.json.users) {
          assert.equal(typeof u.id, 'string');
          assert.equal(typeof u.displayName, 'string');
          assert.ok('avatarUrl' in u, 'avatarUrl is missing');
          toMillis(u.createdAt);
          assert.ok(!('email' in u), `another user's email is listed: ${JSON.stringify(u)}`);
          seen.push(u.id);
        }
        assert.ok(res.json.nextCursor === null || typeof res.json.nextCursor === 'string');
        cursor = res.json.nextCursor;
        if (cursor === null) break;
      }
      assert.equal(cursor, null, 'paging never ended');
      assert.deepEqual([...seen].sort(), named.map((u) => u.user.id).sort());
    });

    it('an email prefix finds the user too, without showing the email', async () => {
      const res = await search({ query: mail_prefix, limit: '10' });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.users.map((u) => u.id), [by_email.user.id]);
      assert.ok(!res.text.includes(by_email.email), 'the email appears in the result');
    });

    it('a prefix that matches nobody gives an empty list and no cursor', async () => {
      const res = await search({ query: `zz${randomBytes(8).toString('hex')}` });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json, { users: [], nextCursor: null });
    });

    it('searching needs a session', async () => {
      assertError(await api(srv.url, 'GET', `/api/users?query=${prefix}`), 401, 'unauthorized');
    });
  });
});
