// Message text as React nodes: plain text (newlines kept by CSS) and http(s) links. Never HTML.
import { memo } from 'react';
import { linkify } from '../lib/linkify';

export const MessageText = memo(function MessageText({ text }: { text: string }) {
  return (
    <p className="msg-text">
      {linkify(text).map((seg, i) =>
        seg.type === 'link' ? (
          <a key={i} href={seg.href} target="_blank" rel="noopener noreferrer nofollow">
            {seg.text}
          </a>
        ) : (
          <span key={i}>{seg.text}</span>
        ),
      )}
    </p>
  );
});
