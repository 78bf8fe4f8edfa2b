import { describe, expect, it } from 'vitest';
import { detectLanguage, localeFor, translate } from './i18n';

describe('i18n', () => {
  it('defaults to the first browser language it has, else English', () => {
    expect(detectLanguage(['ko-KR', 'en-US'])).toBe('ko');
    expect(detectLanguage(['fr-FR', 'en-GB', 'ko'])).toBe('en');
    expect(detectLanguage(['fr-FR', 'de'])).toBe('en');
  });

  it("formats dates in the browser's variant of the chosen language", () => {
    expect(localeFor('en', ['en-GB', 'ko-KR'])).toBe('en-GB');
    expect(localeFor('ko', ['en-GB', 'ko-KR'])).toBe('ko-KR');
    expect(localeFor('ko', ['en-GB'])).toBe('ko-KR');
  });

  it('fills placeholders', () => {
    expect(translate('en', 'typingOne', { name: 'Kim' })).toBe('Kim is typing…');
    expect(translate('ko', 'typingOne', { name: '민수' })).toBe('민수님이 입력 중…');
    expect(translate('en', 'unreadCount', { count: 3 })).toBe('3 unread');
  });
});
