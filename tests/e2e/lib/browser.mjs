// Debian's Chromium driven by playwright-core (never a downloaded browser), and the steps every test takes
// through the UI as a person would: sign up, find someone, open a room, send.
import { chromium } from 'playwright-core';
import { randomBytes } from 'node:crypto';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser profile (its own cookies) at the app, in English unless asked otherwise. */
export async function openApp(browser, url, { locale = 'en-US', colorScheme = 'light', viewport = { width: 1200, height: 800 }, timezoneId = 'Asia/Seoul' } = {}) {
  const context = await browser.newContext({ baseURL: url, locale, colorScheme, viewport, timezoneId });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR/.test(msg.text())) errors.push(new Error(msg.text()));
  });
  await page.goto('/');
  return { context, page, errors };
}

export function uniqueEmail(tag) {
  return `${tag}-${randomBytes(5).toString('hex')}@example.com`;
}

export const password = 'correct horse battery';

/** Signs up through the form, sets a display name through the profile dialog, and returns the account. */
export async function signUp(page, { tag, displayName }) {
  const email = uniqueEmail(tag);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Chats' }).waitFor();
  if (displayName) await setDisplayName(page, displayName);
  return { email, displayName };
}

export async function setDisplayName(page, name) {
  await page.getByRole('button', { name: /^Profile and settings/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Profile and settings' });
  await dialog.getByLabel('Display name').fill(name);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByText('Saved.').waitFor();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Opens the directory, searches for `name`, and starts (or reopens) the 1:1 room with them. */
export async function openDirect(page, name) {
  await page.getByRole('button', { name: 'New message' }).click();
  const dialog = page.getByRole('dialog', { name: 'People' });
  await dialog.getByRole('searchbox').fill(name);
  await dialog.getByRole('button', { name: `Message ${name}`, exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

export function composer(page) {
  return page.locator('form.composer textarea');
}

/** Types and sends with Enter; waits until the server has stored it (sent tick). */
export async function send(page, text) {
  const box = composer(page);
  await box.fill(text);
  await box.press('Enter');
}

/** The scrolling conversation (by class, so it works in any language; chat.test checks its label). */
export function messageList(page) {
  return page.locator('main .messages[role=region]');
}

/** The stored messages shown in the open room, oldest first, as their text. */
export async function shownTexts(page) {
  return messageList(page).locator('li.msg[data-seq] .msg-text').allInnerTexts();
}

export function roomLink(page, title) {
  return page.getByRole('navigation').getByRole('link').filter({ has: page.locator('.room-title', { hasText: title }) });
}

/** Waits until `fn` returns a truthy value (polling), with a clear message on timeout. */
export async function eventually(fn, { timeout = 15_000, interval = 50, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}
