import { describe, expect, it } from 'vitest';
import { linkify } from './linkify';

describe('linkify', () => {
  it('leaves text without links as one text segment', () => {
    expect(linkify('hello <b>there</b>')).toEqual([{ type: 'text', text: 'hello <b>there</b>' }]);
  });

  it('finds http(s) and www links inside text', () => {
    expect(linkify('see https://example.com/a?b=1 and www.example.org.')).toEqual([
      { type: 'text', text: 'see ' },
      { type: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { type: 'text', text: ' and ' },
      { type: 'link', text: 'www.example.org', href: 'https://www.example.org/' },
      { type: 'text', text: '.' },
    ]);
  });

  it('keeps balanced parentheses and drops sentence punctuation', () => {
    const segs = linkify('(https://en.wikipedia.org/wiki/Suda_(band)), ok');
    expect(segs[1]).toEqual({
      type: 'link',
      text: 'https://en.wikipedia.org/wiki/Suda_(band)',
      href: 'https://en.wikipedia.org/wiki/Suda_(band)',
    });
    expect(segs[2]).toEqual({ type: 'text', text: '), ok' });
  });

  it('never makes a link of another scheme', () => {
    expect(linkify('javascript:alert(1) data:text/html,<script>')).toEqual([
      { type: 'text', text: 'javascript:alert(1) data:text/html,<script>' },
    ]);
  });

  it('stops a URL at quotes and angle brackets', () => {
    expect(linkify('<a href="https://x.test/">x</a>')[1]).toEqual({ type: 'link', text: 'https://x.test/', href: 'https://x.test/' });
  });

  it('handles Korean text around a link', () => {
    expect(linkify('여기 https://example.com 보세요')).toEqual([
      { type: 'text', text: '여기 ' },
      { type: 'link', text: 'https://example.com', href: 'https://example.com/' },
      { type: 'text', text: ' 보세요' },
    ]);
  });
});
