// The main screens in light, dark, phone width and Korean, with a realistic conversation, written to
// docs/screenshots/ (shown in the README). Each is also checked: nothing overflows sideways, and the
// phone layout shows one pane at a time with a way back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot, startSuda } from './lib/suda.mjs';
import { composer, launchBrowser, messageList, openApp, roomLink } from './lib/browser.mjs';
import { direct, group, logIn, makeUser, markRead, post } from './lib/api.mjs';
import { pngAvatar } from '../functional/lib/png.mjs';

const outDir = process.env.SCREENSHOT_DIR ?? path.join(repoRoot, 'docs/screenshots');

async function noSidewaysScroll(page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}

async function settle(page) {
  // Avatars are images: wait until every one has loaded, then for a frame, so the picture is complete.
  await page.waitForFunction(() => [...document.images].every((img) => img.complete));
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

describe('screenshots of the main screens', { timeout: 180_000 }, () => {
  let srv;
  let browser;
  const en = {};
  const ko = {};

  before(async () => {
    await mkdir(outDir, { recursive: true });
    srv = await startSuda();
    browser = await launchBrowser();
    const u = srv.url;

    // The English scene.
    en.me = await makeUser(u, { tag: 'minsu', displayName: 'Minsu Kim', avatar: pngAvatar(128, [91, 91, 214], [255, 200, 80]) });
    en.jiyoung = await makeUser(u, { tag: 'jiyoung', displayName: 'Jiyoung Park', avatar: pngAvatar(128, [229, 72, 77], [255, 230, 230]) });
    en.tom = await makeUser(u, { tag: 'tom', displayName: 'Tom Becker', avatar: pngAvatar(128, [48, 164, 108], [220, 250, 230]) });
    en.sara = await makeUser(u, { tag: 'sara', displayName: 'Sara Lee' });
    const crew = await group(u, en.me, 'Lunch crew', [en.jiyoung, en.tom, en.sara]);
    await post(u, en.tom, crew.id, 'Anyone up for ramen at 12:30?');
    await post(u, en.sara, crew.id, 'Yes! The place on 5th street?');
    await post(u, en.me, crew.id, 'Count me in 🍜');
    await post(u, en.tom, crew.id, 'Booked a table for four: https://example.com/ramen');
    const design = await group(u, en.tom, 'Design review', [en.me, en.sara]);
    await post(u, en.tom, design.id, 'New mockups are up, feedback welcome by Friday');
    await post(u, en.sara, design.id, 'The dark theme looks great');
    const sara = await direct(u, en.me, en.sara);
    await post(u, en.sara, sara.id, 'Thanks for the notes yesterday!');
    await markRead(u, en.me, sara.id, 1);
    const dm = await direct(u, en.me, en.jiyoung);
    en.dm = dm;
    const lines = [
      [en.jiyoung, 'Hey! Are we still on for the demo tomorrow?'],
      [en.me, 'Yes, 10am. I will share my screen.'],
      [en.jiyoung, 'Perfect. Can you also show the offline mode?'],
      [en.jiyoung, 'People keep asking what happens when the train goes into a tunnel'],
      [en.me, 'Sure: the banner shows up, and every missed message comes back in order when the connection returns.'],
      [en.me, 'No duplicates either, each message has a client id.'],
      [en.jiyoung, 'Love it. Notes are here: https://example.com/demo-notes'],
    ];
    for (const [who, text] of lines) await post(u, who, dm.id, text);
    await markRead(u, en.jiyoung, dm.id, 6);
    await markRead(u, en.me, dm.id, 6);

    // The Korean scene.
    ko.me = await makeUser(u, { tag: 'ko-me', displayName: '김민수', avatar: pngAvatar(128, [91, 91, 214], [255, 200, 80]) });
    ko.friend = await makeUser(u, { tag: 'ko-friend', displayName: '박지영', avatar: pngAvatar(128, [214, 64, 159], [255, 220, 240]) });
    ko.third = await makeUser(u, { tag: 'ko-third', displayName: '이서준' });
    const lunch = await group(u, ko.me, '점심 메뉴', [ko.friend, ko.third]);
    await post(u, ko.third, lunch.id, '오늘 점심 뭐 먹을까요?');
    await post(u, ko.friend, lunch.id, '김치찌개 어때요?');
    const kdm = await direct(u, ko.me, ko.friend);
    ko.dm = kdm;
    for (const [who, text] of [
      [ko.friend, '민수 씨, 내일 회의 자료 준비됐어요?'],
      [ko.me, '네, 거의 다 됐어요. 오늘 저녁에 공유할게요.'],
      [ko.friend, '좋아요! 고마워요 😊'],
      [ko.me, '슬라이드는 여기 있어요: https://example.com/slides'],
      [ko.friend, '확인했어요. 내일 봬요!'],
    ]) await post(u, who, kdm.id, text);
    await markRead(u, ko.friend, kdm.id, 4);
    await markRead(u, ko.me, kdm.id, 5);
  });

  after(async () => {
    await browser?.close();
    await srv?.stop();
  });

  async function scene(who, partnerName, options) {
    // The partner is online (a presence dot) and typing when the picture is taken.
    const partner = await openApp(browser, srv.url, { locale: options.locale });
    await logIn(partner.page, who.partner.email);
    const viewer = await openApp(browser, srv.url, options);
    await logIn(viewer.page, who.me.email);
    await roomLink(viewer.page, partnerName).click();
    await messageList(viewer.page).locator('li.msg[data-seq]').last().waitFor();
    await roomLink(partner.page, who.me.user.displayName).click();
    await composer(partner.page).pressSequentially('On my way', { delay: 10 });
    await viewer.page.getByTestId('typing-indicator').locator('.typing-dots').waitFor();
    await viewer.page.locator('.room-head .presence.is-online').waitFor();
    return { viewer, partner };
  }

  it('light, desktop', async () => {
    const { viewer, partner } = await scene({ me: en.me, partner: en.jiyoung }, 'Jiyoung Park', { colorScheme: 'light', locale: 'en-US' });
    await noSidewaysScroll(viewer.page);
    await settle(viewer.page);
    await viewer.page.screenshot({ path: path.join(outDir, 'light.png') });
    assert.deepEqual([...viewer.errors, ...partner.errors].map(String), []);
    await viewer.context.close();
    await partner.context.close();
  });

  it('dark, desktop', async () => {
    const { viewer, partner } = await scene({ me: en.me, partner: en.jiyoung }, 'Jiyoung Park', { colorScheme: 'dark', locale: 'en-US' });
    const bg = await viewer.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(17, 18, 20)', 'the dark theme is not applied');
    await settle(viewer.page);
    await viewer.page.screenshot({ path: path.join(outDir, 'dark.png') });
    await viewer.context.close();
    await partner.context.close();
  });

  it('phone width: the list, then the room, and back', async () => {
    const viewport = { width: 390, height: 844 };
    const { page, context, errors } = await openApp(browser, srv.url, { viewport, locale: 'en-US' });
    await logIn(page, en.me.email);
    await roomLink(page, 'Jiyoung Park').waitFor();
    await noSidewaysScroll(page);
    assert.equal(await page.getByRole('main').count(), 0, 'the room pane shows next to the list on a phone');
    await roomLink(page, 'Jiyoung Park').click();
    await messageList(page).locator('li.msg[data-seq]').last().waitFor();
    assert.ok(!(await page.getByRole('navigation').isVisible()), 'the list shows next to the room on a phone');
    await noSidewaysScroll(page);
    await settle(page);
    await page.screenshot({ path: path.join(outDir, 'mobile.png') });
    await page.getByRole('button', { name: 'Back to chats' }).click();
    await roomLink(page, 'Jiyoung Park').waitFor();
    assert.ok(await page.getByRole('navigation').isVisible());
    assert.deepEqual(errors.map(String), []);
    await context.close();
  });

  it('Korean', async () => {
    const { viewer, partner } = await scene({ me: ko.me, partner: ko.friend }, '박지영', { locale: 'ko-KR' });
    await viewer.page.getByRole('heading', { name: '채팅' }).waitFor();
    await viewer.page.getByText('박지영님이 입력 중…').first().waitFor();
    await messageList(viewer.page).locator('.day-separator', { hasText: '오늘' }).waitFor();
    await settle(viewer.page);
    await viewer.page.screenshot({ path: path.join(outDir, 'korean.png') });
    await viewer.context.close();
    await partner.context.close();
  });
});
