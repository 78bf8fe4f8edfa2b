import { describe, expect, it } from 'vitest';
import { dayKey, daysAgo, formatDateTime, formatDaySeparator, formatListTime, formatTime } from './dates';

// 2026-11-25 14:30 UTC is 23:30 the same day in Seoul (UTC+9) and 09:30 in New York (UTC-5).
const instant = '2026-11-25T14:30:00.000Z';

describe('dayKey', () => {
  it('is the calendar day in the given time zone', () => {
    expect(dayKey(instant, 'UTC')).toBe('2026-11-25');
    expect(dayKey('2026-11-25T15:30:00.000Z', 'Asia/Seoul')).toBe('2026-11-26');
    expect(dayKey('2026-11-25T03:00:00.000Z', 'America/New_York')).toBe('2026-11-24');
  });
});

describe('daysAgo', () => {
  it('counts calendar days, not 24-hour periods', () => {
    // 23:30 and 00:30 the next day in Seoul: one hour apart, one day apart.
    expect(daysAgo('2026-11-25T14:30:00.000Z', '2026-11-25T15:30:00.000Z', 'Asia/Seoul')).toBe(1);
    expect(daysAgo('2026-11-25T14:30:00.000Z', '2026-11-25T15:30:00.000Z', 'UTC')).toBe(0);
    expect(daysAgo('2026-11-20T12:00:00.000Z', '2026-11-25T12:00:00.000Z', 'UTC')).toBe(5);
  });
});

describe('formatTime', () => {
  it('uses the local time zone and the language', () => {
    expect(formatTime(instant, 'en-US', 'Asia/Seoul')).toBe('11:30 PM');
    expect(formatTime(instant, 'en-US', 'America/New_York')).toBe('9:30 AM');
    // The Korean day period comes from the ICU data of the runtime: 오후/오전 in browsers, PM/AM in some
    // Node builds; the hour, the minutes and the order are what this code decides.
    expect(formatTime(instant, 'ko-KR', 'Asia/Seoul')).toMatch(/^(오후|PM) 11:30$/);
    expect(formatTime(instant, 'ko-KR', 'America/New_York')).toMatch(/^(오전|AM) 9:30$/);
  });
});

describe('formatDaySeparator', () => {
  const now = '2026-11-25T20:00:00.000Z';
  it('says today and yesterday in the language', () => {
    expect(formatDaySeparator('2026-11-25T01:00:00.000Z', 'en', now, 'UTC')).toBe('Today');
    expect(formatDaySeparator('2026-11-24T01:00:00.000Z', 'en', now, 'UTC')).toBe('Yesterday');
    expect(formatDaySeparator('2026-11-25T01:00:00.000Z', 'ko', now, 'UTC')).toBe('오늘');
    expect(formatDaySeparator('2026-11-24T01:00:00.000Z', 'ko', now, 'UTC')).toBe('어제');
  });

  it('gives the full date for older days, with the year only when it differs', () => {
    expect(formatDaySeparator('2026-11-20T12:00:00.000Z', 'en-US', now, 'UTC')).toBe('Friday, November 20');
    expect(formatDaySeparator('2025-03-02T12:00:00.000Z', 'en-US', now, 'UTC')).toBe('Sunday, March 2, 2025');
    expect(formatDaySeparator('2026-11-20T12:00:00.000Z', 'ko-KR', now, 'UTC')).toBe('11월 20일 금요일');
  });

  it('decides today in the viewer time zone', () => {
    // 20:00 UTC on the 25th is already the 26th in Seoul, so a message at 01:00 UTC on the 25th is yesterday.
    expect(formatDaySeparator('2026-11-25T01:00:00.000Z', 'en', now, 'Asia/Seoul')).toBe('Yesterday');
  });
});

describe('formatListTime', () => {
  const now = '2026-11-25T20:00:00.000Z';
  it('shrinks with age: time, yesterday, weekday, month and day, full date', () => {
    expect(formatListTime('2026-11-25T08:05:00.000Z', 'en-US', now, 'UTC')).toBe('8:05 AM');
    expect(formatListTime('2026-11-24T08:05:00.000Z', 'en-US', now, 'UTC')).toBe('Yesterday');
    expect(formatListTime('2026-11-21T08:05:00.000Z', 'en-US', now, 'UTC')).toBe('Sat');
    expect(formatListTime('2026-10-01T08:05:00.000Z', 'en-US', now, 'UTC')).toBe('Oct 1');
    expect(formatListTime('2024-10-01T08:05:00.000Z', 'en-US', now, 'UTC')).toBe('10/1/2024');
    expect(formatListTime('2026-10-01T08:05:00.000Z', 'ko-KR', now, 'UTC')).toBe('10월 1일');
  });
});

describe('formatDateTime', () => {
  it('spells out the date and time for tooltips', () => {
    expect(formatDateTime(instant, 'en-US', 'UTC')).toMatch(/^Wednesday, November 25, 2026(,| at) 2:30\sPM$/);
  });
});
