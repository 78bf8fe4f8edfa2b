// Seeding data over the HTTP API (faster than typing it), for tests that need a long history or a ready scene.
import assert from 'node:assert/strict';
import { password, uniqueEmail } from './browser.mjs';

export async function call(url, method, path, { token, body, raw, type } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (raw) headers['Content-Type'] = type;
  else if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

/** Signs up and logs in over the API; sets the display name. */
export async function makeUser(url, { tag, displayName, avatar }) {
  const email = uniqueEmail(tag);
  assert.equal((await call(url, 'POST', '/api/user', { body: { email, password } })).status, 201);
  const login = await call(url, 'POST', '/api/session', { body: { email, password } });
  assert.equal(login.status, 200);
  const { token } = login.json;
  let user = (await call(url, 'PATCH', '/api/me', { token, body: { displayName } })).json;
  if (avatar) {
    const res = await call(url, 'PUT', '/api/me/avatar', { token, raw: avatar, type: 'image/png' });
    assert.equal(res.status, 200);
    user = res.json;
  }
  return { email, token, user };
}

export async function direct(url, who, other) {
  const res = await call(url, 'POST', `/api/dm/${other.user.id}`, { token: who.token });
  assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res));
  return res.json;
}

export async function group(url, who, title, members) {
  const res = await call(url, 'POST', '/api/room', { token: who.token, body: { title, members: members.map((m) => m.user.id) } });
  assert.equal(res.status, 201);
  return res.json;
}

export async function post(url, who, roomId, message) {
  const res = await call(url, 'POST', `/api/chat/${roomId}`, { token: who.token, body: { message } });
  assert.equal(res.status, 201, JSON.stringify(res));
  return res.json;
}

export async function markRead(url, who, roomId, seq) {
  const res = await call(url, 'POST', `/api/room/${roomId}/read`, { token: who.token, body: { seq } });
  assert.equal(res.status, 200);
}

/** Logs in through the form as an existing account. */
export async function logIn(page, email) {
  // By field names, so it works in any language.
  await page.locator('input[name=email]').fill(email);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.getByRole('navigation').waitFor();
}
