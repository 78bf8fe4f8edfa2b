// Accounts: signup, login, sessions (bearer and cookie), logout, login rate limits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, assertError, default_password, login, newUser, signup, toMillis, uniqueEmail, useServer,
} from './lib/server.mjs';

const uuid_re = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

describe('accounts', { timeout: 60_000 }, () => {
  const srv = useServer();

  it('GET /api/health answers 200 {"status":"ok"}', async () => {
    const res = await api(srv.url, 'GET', '/api/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { status: 'ok' });
  });

  it('signing up returns 201 with the new user and nothing secret', async () => {
    const email = uniqueEmail('signup');
    const before = Date.now();
    const res = await api(srv.url, 'POST', '/api/user', { body: { email, password: default_password } });
    assert.equal(res.status, 201, res.text);
    const user = res.json;
    assert.match(user.id, uuid_re);
    assert.equal(user.email, email);
    assert.equal(typeof user.displayName, 'string');
    assert.ok(user.displayName.length > 0, 'a new user has a default display name');
    assert.equal(user.avatarUrl, null);
    const created = toMillis(user.createdAt);
    assert.ok(Math.abs(created - before) < 60_000, `createdAt ${user.createdAt} is not about now`);
    const text = res.text.toLowerCase();
    assert.ok(!text.includes(default_password), 'the password is echoed');
    assert.ok(!text.includes('argon2') && !text.includes('hash'), `a hash leaks: ${res.text}`);
  });

  it('an 8-character password is accepted and a 7-character one is 400 weak_password', async () => {
    const ok = await api(srv.url, 'POST', '/api/user', { body: { email: uniqueEmail('pw8'), password: '12345678' } });
    assert.equal(ok.status, 201, ok.text);
    const weak = await api(srv.url, 'POST', '/api/user', { body: { email: uniqueEmail('pw7'), password: '1234567' } });
    assertError(weak, 400, 'weak_password');
  });

  it('signing up with a malformed email is 400 invalid_email', async () => {
    for (const email of ['plainaddress', 'missing-domain@', '@example.com', 'spaces in@example.com']) {
      const res = await api(srv.url, 'POST', '/api/user', { body: { email, password: default_password } });
      assertError(res, 400, 'invalid_email');
    }
  });

  it('signing up with an email already taken, in any letter case, is 409 email_taken', async () => {
    const email = uniqueEmail('taken');
    await signup(srv.url, email);
    for (const again of [email, email.toUpperCase(), email[0].toUpperCase() + email.slice(1)]) {
      const res = await api(srv.url, 'POST', '/api/user', { body: { email: again, password: default_password } });
      assertError(res, 409, 'email_taken');
    }
  });

  it('signing up with missing fields is 400', async () => {
    for (const body of [{}, { email: uniqueEmail('nopw') }, { password: default_password }]) {
      const res = await api(srv.url, 'POST', '/api/user', { body });
      assertError(res, 400);
    }
  });

  it('logging in returns a token, the user and an HttpOnly SameSite=Lax session cookie', async () => {
    const email = uniqueEmail('login');
    const created = await signup(srv.url, email);
    const res = await api(srv.url, 'POST', '/api/session', { body: { email, password: default_password } });
    assert.equal(res.status, 200, res.text);
    assert.equal(typeof res.json.token, 'string');
    assert.ok(res.json.token.length >= 32, 'a session token has enough entropy');
    assert.equal(res.json.user.id, created.id);
    assert.equal(res.json.user.email, email);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('suda_session='));
    assert.ok(cookie, `no suda_session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
    assert.match(cookie, /;\s*HttpOnly/i);
    assert.match(cookie, /;\s*SameSite=Lax/i);
    assert.ok(!/^suda_session=;/.test(cookie), 'the cookie holds a value');
  });

  it('logging in ignores the letter case of the email', async () => {
    const email = uniqueEmail('case');
    const created = await signup(srv.url, email);
    const { user } = await login(srv.url, email.toUpperCase());
    assert.equal(user.id, created.id);
  });

  it('a wrong password and an unknown email get the same 401 invalid_credentials', async () => {
    const email = uniqueEmail('creds');
    await signup(srv.url, email);
    const wrong = await api(srv.url, 'POST', '/api/session', { body: { email, password: 'not the password' } });
    assertError(wrong, 401, 'invalid_credentials');
    const unknown = await api(srv.url, 'POST', '/api/session',
      { body: { email: uniqueEmail('nobody'), password: 'not the password' } });
    assertError(unknown, 401, 'invalid_credentials');
    assert.deepEqual(unknown.json, wrong.json, 'the answers tell an unknown email from a wrong password');
    assert.equal(wrong.headers.getSetCookie().length, 0, 'a failed login sets a cookie');
  });

  it('GET /api/me with the bearer token returns me, with my email', async () => {
    const me = await newUser(srv.url, { tag: 'me' });
    const res = await api(srv.url, 'GET', '/api/me', { token: me.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.id, me.user.id);
    assert.equal(res.json.email, me.email);
  });

  it('GET /api/me with the session cookie alone works', async () => {
    const email = uniqueEmail('cookie');
    const created = await signup(srv.url, email);
    const res = await api(srv.url, 'POST', '/api/session', { body: { email, password: default_password } });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('suda_session='));
    const pair = cookie.split(';')[0];
    const me = await api(srv.url, 'GET', '/api/me', { headers: { Cookie: `theme=dark; ${pair}` } });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.id, created.id);
  });

  it('GET /api/me without a token, with a bad token or a bad cookie is 401 unauthorized', async () => {
    assertError(await api(srv.url, 'GET', '/api/me'), 401, 'unauthorized');
    assertError(await api(srv.url, 'GET', '/api/me', { token: 'x'.repeat(43) }), 401, 'unauthorized');
    assertError(await api(srv.url, 'GET', '/api/me', { headers: { Authorization: 'Basic dXNlcjpwYXNz' } }),
      401, 'unauthorized');
    assertError(await api(srv.url, 'GET', '/api/me', { headers: { Cookie: 'suda_session=forged' } }),
      401, 'unauthorized');
  });

  it('logging out is 204 and that token stops working, while another session of the user still works', async () => {
    const first = await newUser(srv.url, { tag: 'logout' });
    const second = await login(srv.url, first.email);
    assert.notEqual(second.token, first.token, 'each login opens its own session');
    const out = await api(srv.url, 'DELETE', '/api/session', { token: first.token });
    assert.equal(out.status, 204, out.text);
    assertError(await api(srv.url, 'GET', '/api/me', { token: first.token }), 401, 'unauthorized');
    const still = await api(srv.url, 'GET', '/api/me', { token: second.token });
    assert.equal(still.status, 200, still.text);
  });
});

describe('login rate limits (--login-rate-ip 5 --login-rate-account 3)', { timeout: 60_000 }, () => {
  const srv = useServer({ args: ['--login-rate-ip', '5', '--login-rate-account', '3'] });

  it('the 4th attempt on one account is 429 even with the right password, and the 6th from the IP is 429',
    async () => {
      const [a, b, c] = [uniqueEmail('rl-a'), uniqueEmail('rl-b'), uniqueEmail('rl-c')];
      for (const email of [a, b, c]) await signup(srv.url, email);
      const attempt = (email, password) => api(srv.url, 'POST', '/api/session', { body: { email, password } });

      // Attempts 1-3 from this IP, all on account a.
      for (let i = 0; i < 3; i++) assertError(await attempt(a, 'wrong password'), 401, 'invalid_credentials');
      // Attempt 4: the account's limit is used up; the right password does not help.
      const limited = await attempt(a, default_password);
      assertError(limited, 429, 'rate_limited');
      assert.equal(limited.headers.getSetCookie().length, 0);
      // Attempt 5: another account still logs in (the IP allows 5).
      const other = await attempt(b, default_password);
      assert.equal(other.status, 200, `another account is locked out too early: ${other.text}`);
      // Attempt 6 from the same IP: over the IP's limit, whatever the account.
      assertError(await attempt(c, default_password), 429, 'rate_limited');
    });
});
