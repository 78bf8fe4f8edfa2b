// Signing up and logging in: clear errors, a session that survives a reload, logging out (here, and in another
// tab or device); the language switch; and the login-to-message path done with the keyboard alone.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSuda } from './lib/suda.mjs';
import { composer, eventually, launchBrowser, messageList, openApp, password, roomLink, shownTexts, signUp, uniqueEmail } from './lib/browser.mjs';
import { call, direct, logIn, makeUser, post } from './lib/api.mjs';

describe('accounts in the browser', { timeout: 120_000 }, () => {
  let srv;
  let browser;

  before(async () => {
    srv = await startSuda();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('sign up explains a weak password and a taken email', async () => {
    const { page, context, errors } = await openApp(browser, srv.url);
    const taken = await makeUser(srv.url, { tag: 'taken', displayName: 'Taken' });
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByLabel('Email').fill(uniqueEmail('weak'));
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('alert').getByText('Choose a password of at least 8 characters.').waitFor();
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Email').fill(taken.email.toUpperCase());
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByRole('alert').getByText('That email is already registered.', { exact: false }).waitFor();
    assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });

  it('log in explains wrong credentials the same way for a wrong password and an unknown email', async () => {
    const { page, context } = await openApp(browser, srv.url);
    const user = await makeUser(srv.url, { tag: 'wrong', displayName: 'Wrong' });
    for (const [email, pass] of [[user.email, 'not the password'], [uniqueEmail('nobody'), password]]) {
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(pass);
      await page.getByRole('button', { name: 'Log in', exact: true }).last().click();
      await page.getByRole('alert').getByText('Wrong email or password.').waitFor();
    }
    await context.close();
  });

  it('the session survives a reload, and logging out ends it', async () => {
    const { page, context, errors } = await openApp(browser, srv.url);
    await signUp(page, { tag: 'reload', displayName: 'Reloader' });
    await page.reload();
    await page.getByRole('heading', { name: 'Chats' }).waitFor();
    assert.match(await page.getByRole('button', { name: /^Profile and settings/ }).getAttribute('aria-label'), /Reloader/);

    await page.getByRole('button', { name: /^Profile and settings/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in', exact: true }).last().waitFor();
    await page.reload();
    await page.getByLabel('Password').waitFor();
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    assert.equal(me, 401);
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });

  it('a session logged out elsewhere takes the open app back to the login screen by itself', async () => {
    const me = await makeUser(srv.url, { tag: 'elsewhere', displayName: 'Elsewhere' });
    const friend = await makeUser(srv.url, { tag: 'elsewhere-friend', displayName: 'Elsewhere Friend' });
    const room = await direct(srv.url, friend, me);
    const { page, context, errors } = await openApp(browser, srv.url);
    await logIn(page, me.email);
    await roomLink(page, 'Elsewhere Friend').click();
    // A live message proves the page's socket is connected.
    await post(srv.url, friend, room.id, 'still there?');
    await eventually(async () => (await shownTexts(page)).includes('still there?'), { message: 'the live message' });

    // Another tab or device logs the same session out: its token is the page's session cookie.
    const cookie = (await context.cookies()).find((c) => c.name === 'suda_session');
    assert.ok(cookie, 'no session cookie');
    const out = await call(srv.url, 'DELETE', '/api/session', { token: cookie.value });
    assert.equal(out.status, 204);
    // The server ends the page's socket; its reconnection is refused as unauthorized, and the app, untouched,
    // checks its session and shows the login screen.
    await page.getByRole('button', { name: 'Log in', exact: true }).last().waitFor();
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });

  it('the language follows the browser, can be switched, and the choice is kept', async () => {
    const ko = await openApp(browser, srv.url, { locale: 'ko-KR' });
    await ko.page.getByRole('button', { name: '로그인', exact: true }).last().waitFor();
    assert.equal(await ko.page.locator('html').getAttribute('lang'), 'ko');
    await ko.context.close();

    const { page, context } = await openApp(browser, srv.url, { locale: 'en-US' });
    await signUp(page, { tag: 'lang', displayName: 'Polyglot' });
    await page.getByRole('button', { name: /^Profile and settings/ }).click();
    await page.getByRole('dialog').getByLabel('Language').selectOption('ko');
    await page.getByRole('dialog', { name: '프로필 및 설정' }).waitFor();
    await page.getByRole('dialog').getByRole('button', { name: '닫기' }).click();
    await page.getByRole('heading', { name: '채팅' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: '채팅' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'ko');
    await context.close();
  });

  it('from logging in to sending a message with the keyboard alone', async () => {
    const friend = await makeUser(srv.url, { tag: 'kbfriend', displayName: 'Keyboard Friend' });
    const me = await makeUser(srv.url, { tag: 'kb', displayName: 'Keys' });
    const { page, context, errors } = await openApp(browser, srv.url);
    // The email field has focus on arrival.
    await page.getByLabel('Email').waitFor();
    assert.ok(await page.getByLabel('Email').evaluate((el) => el === document.activeElement), 'the email field is not focused');
    await page.keyboard.type(me.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Chats' }).waitFor();

    // Tab to "New message", open the directory, search, pick with Tab + Enter.
    const newMessage = page.getByRole('button', { name: 'New message' });
    for (let i = 0; i < 10 && !(await newMessage.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await newMessage.evaluate((el) => el === document.activeElement), 'Tab never reached "New message"');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'People' });
    await dialog.waitFor();
    await page.keyboard.type('Keyboard');
    const person = dialog.getByRole('button', { name: 'Message Keyboard Friend' });
    await person.waitFor();
    for (let i = 0; i < 6 && !(await person.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Keyboard Friend' }).waitFor();

    // The composer has focus once the room opens; Enter sends.
    await composer(page).waitFor();
    assert.ok(await composer(page).evaluate((el) => el === document.activeElement), 'the composer is not focused');
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await messageList(page).locator('li.msg[data-seq]').first().waitFor();
    assert.deepEqual(await shownTexts(page), ['typed without a mouse']);

    // Escape closes a dialog and focus returns to the button that opened it.
    const details = page.getByRole('button', { name: 'Room details' });
    await details.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.ok(await details.evaluate((el) => el === document.activeElement), 'focus did not return');
    assert.ok(friend.user.id);
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });
});
