import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import { MessageText } from './MessageText';

describe('MessageText', () => {
  it('renders markup in a message as text, never as HTML', () => {
    const html = renderToStaticMarkup(<MessageText text={'<img src=x onerror="alert(1)"><script>alert(2)</script>'} />);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('makes http(s) links clickable, opening in a new tab without access to this page', () => {
    const html = renderToStaticMarkup(<MessageText text="docs at https://example.com/x?a=1&b=2 ok" />);
    expect(html).toContain('<a href="https://example.com/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow">');
  });

  it('does not link javascript: URLs', () => {
    const html = renderToStaticMarkup(<MessageText text="javascript:alert(document.cookie)" />);
    expect(html).not.toContain('<a');
  });
});
