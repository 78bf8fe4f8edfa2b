// A round avatar: the user's photo, or their initials on a colour derived from their id. Decorative for
// screen readers (the name is always next to it), except for the online dot, which is announced.
import { avatarSrc } from '../api';
import { useI18n } from '../i18n';

interface Props {
  id: string;
  name: string;
  avatarUrl?: string | null;
  size?: 'xs' | 'sm' | 'md' | 'lg' | 'xl';
  online?: boolean;
  /** A photo chosen but not uploaded yet (object URL). */
  previewSrc?: string;
}

function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}

// Hangul, kana and CJK ideographs: one syllable or character is already a recognisable initial.
const wide = /[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u4e00-\u9fff\uac00-\ud7af]/u;

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = Array.from(words[0]!)[0] ?? '';
  if (wide.test(first)) return first;
  const second = words.length > 1 ? (Array.from(words[1]!)[0] ?? '') : '';
  return (first + second).toLocaleUpperCase();
}

export function Avatar({ id, name, avatarUrl, size = 'md', online, previewSrc }: Props) {
  const { t } = useI18n();
  const src = previewSrc ?? avatarSrc(avatarUrl, size === 'xl' || size === 'lg' ? 256 : 64);
  return (
    <span className={`avatar avatar-${size} hue-${hue(id)}`}>
      {src ? <img src={src} alt="" loading="lazy" decoding="async" draggable={false} /> : <span aria-hidden="true">{initials(name)}</span>}
      {online !== undefined && (
        <span className={`presence ${online ? 'is-online' : 'is-offline'}`} data-online={online ? 'true' : 'false'}>
          <span className="sr-only">{online ? t('online') : t('offlineStatus')}</span>
        </span>
      )}
    </span>
  );
}
