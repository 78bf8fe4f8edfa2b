// Splits message text into plain text and links. The result is rendered as React text nodes and <a>
// elements, never as HTML, so user text cannot inject markup; only http(s) URLs become links.

export type Segment = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

const candidate = /\b(?:https?:\/\/|www\.)[^\s<>"'`]+/giu;
// Punctuation that usually ends a sentence rather than a URL.
const trailing = new Set([...'.,!?;:\'"…。、」』]}>']);

function trimTrailing(url: string): string {
  let out = url;
  while (out.length > 0) {
    const last = out.at(-1)!;
    if (last === ')') {
      // Keep a closing parenthesis that balances one inside the URL (Wikipedia links).
      const opens = out.split('(').length - 1;
      const closes = out.split(')').length - 1;
      if (closes <= opens) break;
    } else if (!trailing.has(last)) {
      break;
    }
    out = out.slice(0, -1);
  }
  return out;
}

function safeHref(text: string): string | undefined {
  const raw = /^www\./i.test(text) ? `https://${text}` : text;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

export function linkify(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  const pushText = (s: string) => {
    if (!s) return;
    const prev = out.at(-1);
    if (prev?.type === 'text') prev.text += s;
    else out.push({ type: 'text', text: s });
  };
  for (const match of text.matchAll(candidate)) {
    const start = match.index ?? 0;
    const url = trimTrailing(match[0]);
    const href = url.length > 'www.'.length ? safeHref(url) : undefined;
    if (!href) continue;
    pushText(text.slice(last, start));
    out.push({ type: 'link', text: url, href });
    last = start + url.length;
  }
  pushText(text.slice(last));
  return out;
}
