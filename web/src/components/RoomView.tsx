// One open room: its header (who, online, members), the conversation, who is typing, and the composer.
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { client } from '../client';
import { useProfiles } from '../hooks';
import { useI18n } from '../i18n';
import { emptyTimeline, newestSeq } from '../lib/messages';
import { directPartner, isDirect, roomTitle } from '../lib/rooms';
import { navigate } from '../router';
import { myReadSeq, useAppState } from '../state';
import type { Room } from '../types';
import { Avatar } from './Avatar';
import { BackIcon, InfoIcon, SendIcon, UserPlusIcon } from './icons';
import { InviteDialog } from './InviteDialog';
import { MessageList } from './MessageList';
import { RoomInfoDialog } from './RoomInfoDialog';

const maxMessageChars = 4000;
// Drafts survive switching rooms (not reloads).
const drafts = new Map<string, string>();

export function RoomView({ roomId }: { roomId: string }) {
  const { t } = useI18n();
  const room = useAppState((s) => s.rooms.find((r) => r.id === roomId));
  const roomsLoaded = useAppState((s) => s.roomsLoaded);

  if (!room) {
    return (
      <main className="room room-missing" aria-labelledby="room-missing-title">
        <div className="placeholder">
          <p id="room-missing-title">{roomsLoaded ? t('roomNotFound') : t('loading')}</p>
          {roomsLoaded && (
            <button type="button" className="primary" onClick={() => navigate(null)}>
              {t('back')}
            </button>
          )}
        </div>
      </main>
    );
  }
  return <OpenRoom room={room} />;
}

function OpenRoom({ room }: { room: Room }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const timeline = useAppState((s) => s.timelines[room.id]) ?? emptyTimeline;
  const typing = useAppState((s) => s.typing[room.id]);
  const { profileOf, nameOf } = useProfiles();
  const partner = directPartner(room, me.id);
  const partnerOnline = useAppState((s) => (partner ? !!s.online[partner.id] : false));
  const onlineCount = useAppState((s) => room.members.filter((m) => m.id !== me.id && s.online[m.id]).length);
  // Captured when the room was opened, before this visit marked anything read.
  const readAtOpen = useAppState((s) => (s.openedAt?.roomId === room.id ? s.openedAt.readSeq : myReadSeq(room, me.id)));
  const [dialog, setDialog] = useState<'info' | 'invite' | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const titleId = useId();
  const title = roomTitle(room, me.id, nameOf);
  const partnerProfile = partner ? profileOf(partner.id, partner) : undefined;

  // Screen readers hear new messages from others (not history pages, not my own).
  const newest = timeline.messages.at(-1);
  const announced = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!timeline.loaded) return;
    const seq = newestSeq(timeline);
    if (announced.current !== undefined && seq !== undefined && seq > announced.current && newest && newest.userId !== me.id) {
      setAnnouncement(t('newMessageFrom', { name: nameOf(newest.userId, newest.author?.displayName), text: newest.message }));
    }
    announced.current = seq ?? 0;
  }, [timeline, newest, me.id, nameOf, t]);

  const typers = typing ? Object.keys(typing).filter((id) => id !== me.id) : [];
  const typingText =
    typers.length === 0
      ? ''
      : typers.length === 1
        ? t('typingOne', { name: nameOf(typers[0]!) })
        : typers.length === 2
          ? t('typingTwo', { a: nameOf(typers[0]!), b: nameOf(typers[1]!) })
          : t('typingMany');

  const subtitle = isDirect(room)
    ? partnerOnline
      ? t('online')
      : t('offlineStatus')
    : `${room.members.length === 1 ? t('memberCountOne') : t('memberCount', { count: room.members.length })}${
        onlineCount ? ` · ${onlineCount} ${t('online').toLocaleLowerCase()}` : ''
      }`;

  return (
    <main className="room" aria-labelledby={titleId}>
      <header className="room-head">
        <button type="button" className="icon-button back-button" onClick={() => navigate(null)} aria-label={t('back')}>
          <BackIcon />
        </button>
        {partnerProfile ? (
          <Avatar id={partnerProfile.id} name={partnerProfile.displayName} avatarUrl={partnerProfile.avatarUrl} online={partnerOnline} size="sm" />
        ) : (
          <Avatar id={room.id} name={title} size="sm" />
        )}
        <div className="room-head-text">
          <h2 id={titleId}>{title}</h2>
          <p className={`room-subtitle${partnerOnline ? ' is-online' : ''}`}>{subtitle}</p>
        </div>
        {!isDirect(room) && (
          <button type="button" className="icon-button" onClick={() => setDialog('invite')} aria-label={t('invite')} title={t('invite')}>
            <UserPlusIcon />
          </button>
        )}
        <button type="button" className="icon-button" onClick={() => setDialog('info')} aria-label={t('roomDetails')} title={t('roomDetails')}>
          <InfoIcon />
        </button>
      </header>

      <MessageList room={room} timeline={timeline} myId={me.id} readAtOpen={readAtOpen} />

      <div className="typing-indicator" data-testid="typing-indicator">
        {typingText && (
          <>
            <span className="typing-dots" aria-hidden="true">
              <span />
              <span />
              <span />
            </span>
            {typingText}
          </>
        )}
      </div>
      <Composer roomId={room.id} title={title} />
      <div className="sr-only" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>

      {dialog === 'info' && <RoomInfoDialog room={room} onClose={() => setDialog(null)} onInvite={() => setDialog('invite')} />}
      {dialog === 'invite' && <InviteDialog room={room} onClose={() => setDialog(null)} />}
    </main>
  );
}

function Composer({ roomId, title }: { roomId: string; title: string }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => drafts.get(roomId) ?? '');
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const tooLong = [...text].length > maxMessageChars;
  const canSend = text.trim().length > 0 && !tooLong;

  useEffect(() => {
    // Opening a room puts the cursor in its composer, except on touch screens where that pops the keyboard.
    if (!window.matchMedia('(pointer: coarse)').matches) input.current?.focus();
  }, [roomId]);

  useEffect(() => {
    drafts.set(roomId, text);
    const el = input.current;
    if (el) {
      // Grow with the text up to a few lines (CSS caps the height; then it scrolls).
      el.style.height = 'auto';
      el.style.height = `${el.scrollHeight}px`;
    }
  }, [text, roomId]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    if (!canSend) return;
    client.send(roomId, text.trim());
    client.resetTyping(roomId);
    setText('');
    input.current?.focus();
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends; Shift+Enter is a new line. While an IME is composing (Korean), Enter confirms the
    // syllable instead and must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.altKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <label className="sr-only" htmlFor={`composer-${roomId}`}>
        {t('messageInput', { title })}
      </label>
      <textarea
        id={`composer-${roomId}`}
        ref={input}
        rows={1}
        value={text}
        placeholder={t('messageInput', { title })}
        aria-describedby={hintId}
        aria-invalid={tooLong || undefined}
        enterKeyHint="send"
        onChange={(e) => {
          setText(e.target.value);
          if (e.target.value.trim()) client.typing(roomId);
        }}
        onKeyDown={onKeyDown}
      />
      <span id={hintId} className="sr-only">
        {t('composerHint')}
      </span>
      {tooLong && (
        <span className="char-count" aria-live="polite">
          {[...text].length}/{maxMessageChars}
        </span>
      )}
      <button type="submit" className="send-button" disabled={!canSend} aria-label={t('send')} title={t('send')}>
        <SendIcon />
      </button>
    </form>
  );
}
