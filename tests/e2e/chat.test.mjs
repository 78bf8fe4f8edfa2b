// Two people (and a third) chatting through the real UI in Chromium, against the real binary on a fresh data
// dir. The tests of this file run in order and build on each other: A and B sign up, A opens a 1:1 with B,
// and every later step uses that room.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSuda } from './lib/suda.mjs';
import {
  composer,
  eventually,
  launchBrowser,
  messageList,
  openApp,
  openDirect,
  roomLink,
  send,
  shownTexts,
  signUp,
} from './lib/browser.mjs';
import { pngAvatar } from '../functional/lib/png.mjs';

/** The li of the newest stored message with this exact text. */
function messageItem(page, text) {
  return messageList(page).locator('li.msg[data-seq]').filter({ has: page.locator('.msg-text', { hasText: text }) }).last();
}

async function waitForText(page, text) {
  await messageItem(page, text).waitFor();
}

async function seqs(page) {
  return (await messageList(page).locator('li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq))));
}

function badge(page, title) {
  return roomLink(page, title).getByTestId('unread-badge');
}

describe('chatting in the browser', { timeout: 300_000 }, () => {
  let srv;
  let browser;
  let A;
  let B;
  let C;

  before(async () => {
    srv = await startSuda();
    browser = await launchBrowser();
    A = await openApp(browser, srv.url);
    B = await openApp(browser, srv.url);
  });

  after(async () => {
    for (const who of [A, B, C]) if (who) assert.deepEqual(who.errors.map(String), [], 'errors in the page');
    await browser?.close();
    await srv?.stop();
  });

  it('A and B sign up; A finds B in the directory and opens a 1:1', async () => {
    await signUp(A.page, { tag: 'alice', displayName: 'Alice' });
    await signUp(B.page, { tag: 'bob', displayName: 'Bob' });
    await openDirect(A.page, 'Bob');
    // The room is in A's list at once, and in B's list live (a `room` event), with no reload.
    await roomLink(A.page, 'Bob').waitFor();
    await roomLink(B.page, 'Alice').waitFor();
    assert.match(A.page.url(), /\/r\/[^/]+$/);
  });

  it('messages go both ways live', async () => {
    await send(A.page, 'Hi Bob, lunch today?');
    await roomLink(B.page, 'Alice').click();
    await waitForText(B.page, 'Hi Bob, lunch today?');
    await send(B.page, 'Sure, noon works 🍜');
    await waitForText(A.page, 'Sure, noon works 🍜');
    // Own messages on one side, others' on the other, with the author's name on others' messages.
    assert.ok(await messageItem(A.page, 'Hi Bob, lunch today?').evaluate((el) => el.classList.contains('mine')));
    const theirs = messageItem(A.page, 'Sure, noon works 🍜');
    assert.ok(await theirs.evaluate((el) => el.classList.contains('theirs')));
    assert.equal(await theirs.locator('.msg-author').innerText(), 'Bob');
    assert.deepEqual(await shownTexts(A.page), await shownTexts(B.page));
    // Labelled for screen readers: the conversation region and the composer.
    await A.page.getByRole('region', { name: 'Messages' }).waitFor();
    await A.page.getByRole('textbox', { name: 'Message Bob' }).waitFor();
    // Sent messages end in the "sent" state (the server stored them); nothing is left pending.
    await messageItem(A.page, 'Hi Bob, lunch today?').and(A.page.locator('[data-status="sent"], [data-status="seen"]')).waitFor();
    assert.equal(await messageList(A.page).locator('li[data-client-msg-id]').count(), 0);
  });

  it('Enter sends, Shift+Enter makes a new line, long text wraps, links are clickable', async () => {
    const box = composer(A.page);
    await box.fill('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    assert.equal(await box.inputValue(), 'first line\nsecond line');
    await box.press('Enter');
    await waitForText(B.page, 'second line');
    assert.equal(await messageItem(B.page, 'second line').locator('.msg-text').innerText(), 'first line\nsecond line');
    assert.equal(await box.inputValue(), '');

    const long = 'x'.repeat(600);
    await send(A.page, long);
    await waitForText(B.page, long);
    const overflow = await messageList(B.page).evaluate((el) => el.scrollWidth - el.clientWidth);
    assert.ok(overflow <= 0, `the message list scrolls sideways by ${overflow}px`);

    await send(A.page, 'menu at https://example.com/lunch?day=today.');
    await waitForText(B.page, 'menu at');
    const link = messageItem(B.page, 'menu at').getByRole('link');
    assert.equal(await link.getAttribute('href'), 'https://example.com/lunch?day=today');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.match(await link.getAttribute('rel'), /noopener/);
  });

  it('B reloads and sees the history, with day separators and local times', async () => {
    const before = await shownTexts(B.page);
    await B.page.reload();
    await waitForText(B.page, 'Sure, noon works 🍜');
    assert.deepEqual(await shownTexts(B.page), before);
    await messageList(B.page).locator('.day-separator', { hasText: 'Today' }).waitFor();
    // Times are shown in the browser's zone (Asia/Seoul here), from the stored UTC timestamp.
    const time = messageItem(B.page, 'Sure, noon works 🍜').locator('time');
    const iso = await time.getAttribute('datetime');
    const expected = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'Asia/Seoul' }).format(new Date(iso));
    assert.equal(await time.innerText(), expected);
  });

  it('the directory reopens the same 1:1 room instead of making a second one', async () => {
    const url = A.page.url();
    await roomLink(A.page, 'Bob').waitFor();
    await openDirect(A.page, 'Bob');
    assert.equal(A.page.url(), url);
    assert.equal(await roomLink(A.page, 'Bob').count(), 1);
    await waitForText(A.page, 'Hi Bob, lunch today?');
  });

  it('a group room: A creates it with B and C; C never sees the 1:1 of A and B', async () => {
    C = await openApp(browser, srv.url);
    await signUp(C.page, { tag: 'carol', displayName: 'Carol' });

    await A.page.getByRole('button', { name: 'New group' }).click();
    const dialog = A.page.getByRole('dialog', { name: 'New group' });
    await dialog.getByLabel('Group name').fill('Lunch crew');
    for (const name of ['Bob', 'Carol']) {
      await dialog.getByRole('searchbox').fill(name);
      await dialog.getByRole('checkbox', { name }).check();
    }
    await dialog.getByRole('list', { name: 'Selected' }).getByText('Carol').waitFor();
    await dialog.getByRole('button', { name: 'Create group' }).click();
    await dialog.waitFor({ state: 'detached' });
    await A.page.getByRole('heading', { level: 2, name: 'Lunch crew' }).waitFor();
    await A.page.getByText('3 members').waitFor();

    await send(A.page, 'Welcome to the lunch crew!');
    await roomLink(C.page, 'Lunch crew').click();
    await waitForText(C.page, 'Welcome to the lunch crew!');
    await send(C.page, 'Hello both');
    await roomLink(B.page, 'Lunch crew').waitFor();

    // A says something private in the 1:1 now that C is online and listening.
    await roomLink(A.page, 'Bob').click();
    await send(A.page, 'just between us: the secret menu');
    await waitForText(B.page, 'just between us: the secret menu');
    await roomLink(C.page, 'Lunch crew').waitFor();
    assert.equal(await C.page.getByRole('navigation').getByRole('link').count(), 1, 'C sees one room');
    const cText = await C.page.locator('body').innerText();
    assert.ok(!cText.includes('secret menu'), 'the 1:1 message reached C');
    assert.ok(!cText.includes('Hi Bob'), 'the 1:1 history reached C');
    // Not even by asking: the 1:1 URL is not available to C.
    const dmUrl = new URL(A.page.url()).pathname;
    await C.page.goto(dmUrl);
    await C.page.getByText('This conversation is not available.').waitFor();
    assert.ok(!(await C.page.locator('body').innerText()).includes('secret menu'));
    await C.page.getByRole('button', { name: 'Back to chats' }).click();
  });

  it('invite more people to a group later, and leave it', async () => {
    const D = await openApp(browser, srv.url);
    try {
      await signUp(D.page, { tag: 'dave', displayName: 'Dave' });
      await roomLink(A.page, 'Lunch crew').click();
      await A.page.getByRole('button', { name: 'Invite people' }).first().click();
      const dialog = A.page.getByRole('dialog', { name: 'Invite to Lunch crew' });
      await dialog.getByRole('searchbox').fill('Dave');
      await dialog.getByRole('checkbox', { name: 'Dave' }).check();
      await dialog.getByRole('button', { name: /^Invite/ }).last().click();
      await dialog.waitFor({ state: 'detached' });
      await A.page.getByText('4 members').waitFor();
      await roomLink(D.page, 'Lunch crew').click();
      await waitForText(D.page, 'Hello both');

      await D.page.getByRole('button', { name: 'Room details' }).click();
      const info = D.page.getByRole('dialog', { name: 'Lunch crew' });
      await info.getByRole('button', { name: 'Leave room' }).click();
      await info.getByRole('button', { name: 'Leave room' }).click();
      await info.waitFor({ state: 'detached' });
      await eventually(async () => (await roomLink(D.page, 'Lunch crew').count()) === 0, { message: 'the room to leave D\'s list' });
      await A.page.getByText('3 members').waitFor();
      assert.deepEqual(D.errors.map(String), []);
    } finally {
      await D.context.close();
    }
  });

  it('the unread badge counts new messages and clears on reading; A sees the "seen" tick', async () => {
    // B looks at the group, so messages in the 1:1 are unread for B.
    await roomLink(B.page, 'Lunch crew').click();
    const firstRoom = () => B.page.getByRole('navigation').getByRole('link').first().locator('.room-title').innerText();
    await roomLink(A.page, 'Lunch crew').click();
    await send(A.page, 'the group moves up');
    await eventually(async () => (await firstRoom()) === 'Lunch crew', { message: 'the group to lead B\'s list' });
    await roomLink(A.page, 'Bob').click();
    await send(A.page, 'unread one');
    await send(A.page, 'unread two');
    await eventually(async () => (await badge(B.page, 'Alice').innerText().catch(() => '')).startsWith('2'), { message: 'a badge of 2' });
    // The list reorders live: the 1:1 with the newest message is first again.
    assert.equal(await firstRoom(), 'Alice');
    assert.match(await roomLink(B.page, 'Alice').locator('.room-preview').innerText(), /^unread two$/);
    assert.match(await B.page.title(), /^\(2\) suda$/);
    assert.equal(await messageItem(A.page, 'unread two').getAttribute('data-status'), 'sent');

    await roomLink(B.page, 'Alice').click();
    await waitForText(B.page, 'unread two');
    await badge(B.page, 'Alice').waitFor({ state: 'detached' });
    await messageItem(A.page, 'unread two').and(A.page.locator('[data-status="seen"]')).waitFor();
    await messageItem(A.page, 'unread two').getByText('Seen').waitFor();
  });

  it('a "new messages" divider marks where B stopped reading', async () => {
    await roomLink(B.page, 'Lunch crew').click();
    await send(A.page, 'after the divider 1');
    await send(A.page, 'after the divider 2');
    await eventually(async () => (await badge(B.page, 'Alice').innerText().catch(() => '')).startsWith('2'), { message: 'a badge of 2' });
    await roomLink(B.page, 'Alice').click();
    await waitForText(B.page, 'after the divider 2');
    const order = await messageList(B.page).locator('li').evaluateAll((els) =>
      els.map((e) => (e.classList.contains('unread-divider') ? 'DIVIDER' : e.querySelector('.msg-text')?.textContent ?? '')),
    );
    const at = order.indexOf('DIVIDER');
    assert.ok(at > 0, 'no divider');
    assert.deepEqual(order.slice(at - 1, at + 3), ['unread two', 'DIVIDER', 'after the divider 1', 'after the divider 2']);
  });

  it('the typing indicator appears while the other person types', async () => {
    await composer(A.page).pressSequentially('I am typi', { delay: 20 });
    await B.page.getByTestId('typing-indicator').getByText('Alice is typing…').waitFor();
    await composer(A.page).fill('');
    // It goes away by itself when A stops.
    await B.page.getByTestId('typing-indicator').getByText('Alice is typing…').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('A changes name and avatar; B sees both live', async () => {
    await A.page.getByRole('button', { name: /^Profile and settings/ }).click();
    const dialog = A.page.getByRole('dialog', { name: 'Profile and settings' });
    await dialog.getByLabel('Display name').fill('Alice Kim');
    await dialog.locator('input[type=file]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: pngAvatar(160) });
    await dialog.getByText('Preview of your new photo').waitFor();
    assert.match(await dialog.locator('.avatar-xl img').getAttribute('src'), /^blob:/);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Saved.').waitFor();
    assert.match(await dialog.locator('.avatar-xl img').getAttribute('src'), /\/api\/users\/.+\/avatar\?v=/);
    await dialog.getByRole('button', { name: 'Close' }).click();

    // B: the header, the room list and the messages follow, without a reload.
    await B.page.getByRole('heading', { level: 2, name: 'Alice Kim' }).waitFor();
    await roomLink(B.page, 'Alice Kim').waitFor();
    const img = roomLink(B.page, 'Alice Kim').locator('.avatar img');
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /\/api\/users\/.+\/avatar\?v=.+&size=64$/);
    assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the avatar image did not load');
    await messageList(B.page).locator('.msg-author', { hasText: 'Alice Kim' }).first().waitFor();
    // And C, in the group only.
    await roomLink(C.page, 'Lunch crew').click();
    await messageList(C.page).locator('.msg-author', { hasText: 'Alice Kim' }).first().waitFor();
  });

  it('B goes offline; A sends 20 messages; back online, B has all 20 once, in order', async () => {
    await roomLink(B.page, 'Alice Kim').click();
    await waitForText(B.page, 'after the divider 2');
    await B.context.setOffline(true);
    await B.page.getByTestId('offline-banner').waitFor();

    const batch = Array.from({ length: 20 }, (_, i) => `offline batch ${String(i + 1).padStart(2, '0')}`);
    for (const text of batch) await send(A.page, text);
    await eventually(async () => (await shownTexts(A.page)).includes(batch.at(-1)), { message: 'A to show its last message' });
    await messageItem(A.page, batch.at(-1)).and(A.page.locator('[data-status="sent"], [data-status="seen"]')).waitFor();
    assert.ok(!(await shownTexts(B.page)).includes(batch[0]), 'B received messages while offline');

    await B.context.setOffline(false);
    await B.page.getByTestId('offline-banner').waitFor({ state: 'detached' });
    await waitForText(B.page, batch.at(-1));
    const texts = await shownTexts(B.page);
    const got = texts.filter((t) => t.startsWith('offline batch'));
    assert.deepEqual(got, batch, 'all 20, once each, in order');
    const s = await seqs(B.page);
    assert.deepEqual(s, [...s].sort((a, b) => a - b), 'seqs in order');
    assert.equal(new Set(s).size, s.length, 'no seq twice');
    assert.deepEqual(texts, await shownTexts(A.page));
  });

  it('a message sent while offline fails, and its retry stores it once', async () => {
    await A.context.setOffline(true);
    await A.page.getByTestId('offline-banner').waitFor();
    await send(A.page, 'sent from a tunnel');
    const pending = messageList(A.page).locator('li[data-client-msg-id]');
    assert.equal(await pending.getAttribute('data-status'), 'sending');
    await messageList(A.page).locator('li[data-status="failed"]').waitFor({ timeout: 20_000 });
    await A.context.setOffline(false);
    await A.page.getByTestId('offline-banner').waitFor({ state: 'detached' });
    const retry = messageList(A.page).getByRole('button', { name: 'Retry' });
    await retry.click();
    await retry.click({ timeout: 1000 }).catch(() => undefined); // a double click must not duplicate it either
    await waitForText(A.page, 'sent from a tunnel');
    await waitForText(B.page, 'sent from a tunnel');
    await pending.waitFor({ state: 'detached' });
    for (const page of [A.page, B.page]) {
      const texts = await shownTexts(page);
      assert.equal(texts.filter((t) => t === 'sent from a tunnel').length, 1);
    }
    // After a reload too (the stored history has it once).
    await B.page.reload();
    await waitForText(B.page, 'sent from a tunnel');
    assert.equal((await shownTexts(B.page)).filter((t) => t === 'sent from a tunnel').length, 1);
  });

  it('an XSS payload as a message and as a display name renders as text', async () => {
    const payloads = [
      '<img src=x onerror="window.__xss=1">',
      '<script>window.__xss=2</script>',
      '"><svg onload=window.__xss=3>',
      'javascript:window.__xss=4',
    ];
    for (const p of payloads) await send(A.page, p);
    await waitForText(B.page, payloads.at(-1));
    const evil = '<img src=x onerror=window.__xss=5>';
    await C.page.getByRole('button', { name: /^Profile and settings/ }).click();
    const dialog = C.page.getByRole('dialog', { name: 'Profile and settings' });
    await dialog.getByLabel('Display name').fill(evil);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByText('Saved.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await roomLink(B.page, 'Lunch crew').click();
    await messageList(B.page).locator('.msg-author', { hasText: evil }).first().waitFor();

    for (const page of [A.page, B.page]) {
      assert.equal(await page.evaluate(() => window.__xss), undefined, 'a payload ran');
      assert.equal(await page.locator('.message-list img[src="x"], .message-list script, .message-list svg[onload]').count(), 0);
      assert.equal(await page.locator('a[href^="javascript:"]').count(), 0);
    }
    await roomLink(B.page, 'Alice Kim').click();
    for (const p of payloads) assert.ok((await shownTexts(B.page)).includes(p), `${p} is not shown as text`);
  });
});
