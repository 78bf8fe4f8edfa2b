// A long history: the newest page first, older pages as the reader scrolls up, without the view jumping,
// every message once and in order.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSuda } from './lib/suda.mjs';
import { eventually, launchBrowser, messageList, openApp, roomLink } from './lib/browser.mjs';
import { direct, logIn, makeUser, markRead, post } from './lib/api.mjs';

const total = 160;

describe('a long history in the browser', { timeout: 180_000 }, () => {
  let srv;
  let browser;
  let reader;
  const label = (i) => `history message ${String(i).padStart(3, '0')}`;

  before(async () => {
    srv = await startSuda();
    browser = await launchBrowser();
    const writer = await makeUser(srv.url, { tag: 'writer', displayName: 'Writer' });
    reader = await makeUser(srv.url, { tag: 'reader', displayName: 'Reader' });
    const room = await direct(srv.url, writer, reader);
    for (let i = 1; i <= total; i++) await post(srv.url, i % 7 === 0 ? reader : writer, room.id, label(i));
    // The reader has read up to 150: the "new messages" divider goes before 151.
    await markRead(srv.url, reader, room.id, 150);
  });
  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('loads older pages on scrolling up, keeps the view still, and ends with every message once', async () => {
    const { page, context, errors } = await openApp(browser, srv.url);
    await logIn(page, reader.email);
    await roomLink(page, 'Writer').click();
    const list = messageList(page);
    const items = list.locator('li.msg[data-seq]');
    await items.filter({ hasText: label(total) }).waitFor();

    // Opened at the divider, which sits right before the first unread message.
    const divider = list.locator('.unread-divider');
    await divider.waitFor();
    const next = await divider.evaluate((el) => el.nextElementSibling?.querySelector('.msg-text')?.textContent);
    assert.equal(next, label(151));
    assert.ok(await divider.isVisible());
    const loadedFirst = await items.count();
    assert.ok(loadedFirst < total, `the whole history (${loadedFirst}) was loaded at once`);

    // Scroll to the top: the next page comes in above, and what was on screen stays where it was.
    for (let round = 0; round < 10; round++) {
      const before = await list.evaluate((el) => {
        const first = el.querySelector('li.msg[data-seq]');
        return { seq: first.dataset.seq, count: el.querySelectorAll('li.msg[data-seq]').length };
      });
      if (before.count >= total) break;
      const anchor = list.locator(`li.msg[data-seq="${before.seq}"]`);
      // Scroll and measure in one go, before the page can arrive.
      const top = await anchor.evaluate((el) => {
        el.closest('.messages').scrollTop = 0;
        return el.getBoundingClientRect().bottom;
      });
      await eventually(async () => (await items.count()) > before.count, { message: 'an older page' });
      // Give layout one frame, then compare.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
      // (Its bottom: the message itself may lose its name line, now that the same author's message is above.)
      const moved = (await anchor.evaluate((el) => el.getBoundingClientRect().bottom)) - top;
      assert.ok(Math.abs(moved) < 4, `the view jumped by ${moved}px when a page was prepended`);
    }
    await list.getByText('This is the beginning of your conversation.').waitFor();
    const seqs = await items.evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1));
    const texts = await list.locator('li.msg[data-seq] .msg-text').allInnerTexts();
    assert.deepEqual(texts, Array.from({ length: total }, (_, i) => label(i + 1)));
    assert.equal(await list.locator('.unread-divider').count(), 1);
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });
});
