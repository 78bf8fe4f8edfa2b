// The conversation: newest at the bottom, older pages loaded as the reader scrolls up without the view
// jumping, day separators, a "new messages" divider at my read position when I opened the room, runs of
// one author's messages grouped, and my messages' delivery state (sending, sent, seen, failed + retry).
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { client } from '../client';
import { useProfiles } from '../hooks';
import { useI18n, type Translate } from '../i18n';
import { dayKey, formatDateTime, formatDaySeparator, formatTime } from '../lib/dates';
import { layoutTimeline, oldestSeq, type LocalMessage, type Timeline, type TimelineItem } from '../lib/messages';
import type { Member, Message, Room } from '../types';
import { Avatar } from './Avatar';
import { AlertIcon, ArrowDownIcon, CheckIcon, ClockIcon, DoubleCheckIcon } from './icons';
import { MessageText } from './MessageText';

interface Props {
  room: Room;
  timeline: Timeline;
  myId: string;
  /** My read position when I opened the room: the "new messages" divider goes after it. */
  readAtOpen: number;
}

const nearBottomPx = 80;
const loadOlderWithinPx = 400;

export function MessageList({ room, timeline, myId, readAtOpen }: Props) {
  const { t, locale } = useI18n();
  const scroller = useRef<HTMLDivElement>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [showJump, setShowJump] = useState(false);
  // The layout as of the last commit, to keep the view still when a page is prepended.
  const last = useRef({ height: 0, top: 0, atBottom: true, oldest: undefined as number | undefined, newest: '', pending: 0, initial: false });

  const items = useMemo(
    () => layoutTimeline(timeline, { myId, unreadAfterSeq: readAtOpen, dayOf: (iso) => dayKey(iso) }),
    [timeline, myId, readAtOpen],
  );
  const others = useMemo(() => room.members.filter((m) => m.id !== myId), [room.members, myId]);
  // The newest of my stored messages that someone has read gets the "Seen" label (the others only ticks).
  const lastSeenMine = useMemo(() => {
    for (let i = timeline.messages.length - 1; i >= 0; i--) {
      const m = timeline.messages[i]!;
      if (m.userId === myId && others.some((o) => (o.lastReadSeq ?? 0) >= m.seq)) return m.seq;
    }
    return undefined;
  }, [timeline.messages, others, myId]);

  const remember = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const l = last.current;
    l.height = el.scrollHeight;
    l.top = el.scrollTop;
    l.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < nearBottomPx;
  }, []);

  const loadOlder = useCallback(async () => {
    if (loadingOlder || !timeline.loaded || !timeline.hasOlder) return;
    setLoadingOlder(true);
    try {
      await client.loadOlder(room.id);
    } catch {
      // Offline: scrolling up again retries.
    } finally {
      setLoadingOlder(false);
    }
  }, [loadingOlder, timeline.loaded, timeline.hasOlder, room.id]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const l = last.current;
    const oldest = oldestSeq(timeline);
    const newestKey = items.at(-1)?.key ?? '';
    const pending = timeline.pending.length;
    if (!l.initial) {
      if (timeline.loaded) {
        l.initial = true;
        const divider = el.querySelector<HTMLElement>('.unread-divider');
        if (divider && divider.offsetTop > el.clientHeight / 3) el.scrollTop = divider.offsetTop - 16;
        else el.scrollTop = el.scrollHeight;
      }
    } else if (l.oldest !== undefined && oldest !== undefined && oldest < l.oldest && newestKey === l.newest) {
      // An older page went in above: keep the same messages under the reader's eyes.
      el.scrollTop = l.top + (el.scrollHeight - l.height);
    } else if (pending > l.pending) {
      // I just sent something: show it.
      el.scrollTop = el.scrollHeight;
    } else if (newestKey !== l.newest) {
      if (l.atBottom) el.scrollTop = el.scrollHeight;
      else setShowJump(true);
    }
    l.oldest = oldest;
    l.newest = newestKey;
    l.pending = pending;
    remember();
  }, [items, timeline, remember]);

  // Keep the bottom in view when the viewport changes (phone keyboard, window resize, a taller composer).
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => {
      if (last.current.atBottom) el.scrollTop = el.scrollHeight;
      remember();
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [remember]);

  // A first page shorter than the screen cannot be scrolled up: load more until it can.
  useEffect(() => {
    const el = scroller.current;
    if (el && timeline.loaded && timeline.hasOlder && el.scrollHeight <= el.clientHeight + 10) void loadOlder();
  }, [timeline.loaded, timeline.hasOlder, items, loadOlder]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    remember();
    if (last.current.atBottom && showJump) setShowJump(false);
    if (el.scrollTop < loadOlderWithinPx) void loadOlder();
  };

  const jumpToLatest = () => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
    setShowJump(false);
  };

  return (
    <div className="messages-wrap">
      <div
        className="messages"
        ref={scroller}
        onScroll={onScroll}
        tabIndex={0}
        role="region"
        aria-label={t('messages')}
        aria-busy={!timeline.loaded || loadingOlder}
      >
        <div className="history-edge" aria-live="polite">
          {!timeline.loaded ? (
            <span className="muted">{t('loading')}</span>
          ) : timeline.hasOlder ? (
            loadingOlder ? <span className="muted">{t('loadingOlder')}</span> : null
          ) : (
            <span className="muted">{t('beginning')}</span>
          )}
        </div>
        <ol className="message-list">
          {items.map((item) => (
            <Item
              key={item.key}
              item={item}
              room={room}
              others={others}
              locale={locale}
              t={t}
              seenLabel={item.kind === 'message' && item.message.seq === lastSeenMine}
            />
          ))}
        </ol>
      </div>
      {showJump && (
        <button type="button" className="jump" onClick={jumpToLatest}>
          <ArrowDownIcon />
          {t('jumpToLatest')}
        </button>
      )}
    </div>
  );
}

interface ItemProps {
  item: TimelineItem;
  room: Room;
  others: Member[];
  locale: string;
  t: Translate;
  seenLabel: boolean;
}

const Item = memo(function Item({ item, room, others, locale, t, seenLabel }: ItemProps) {
  switch (item.kind) {
    case 'day':
      return (
        <li className="day-separator">
          <span>
            <time dateTime={item.at.slice(0, 10)}>{formatDaySeparator(item.at, locale)}</time>
          </span>
        </li>
      );
    case 'unread':
      return (
        <li className="unread-divider">
          <span>{t('newMessages')}</span>
        </li>
      );
    case 'message':
      return (
        <StoredMessage
          message={item.message}
          mine={item.mine}
          startsGroup={item.startsGroup}
          endsGroup={item.endsGroup}
          room={room}
          others={others}
          locale={locale}
          t={t}
          seenLabel={seenLabel}
        />
      );
    case 'local':
      return <PendingMessage local={item.local} startsGroup={item.startsGroup} locale={locale} t={t} />;
  }
});

function StoredMessage({
  message,
  mine,
  startsGroup,
  endsGroup,
  room,
  others,
  locale,
  t,
  seenLabel,
}: {
  message: Message;
  mine: boolean;
  startsGroup: boolean;
  endsGroup: boolean;
  room: Room;
  others: Member[];
  locale: string;
  t: Translate;
  seenLabel: boolean;
}) {
  const { profileOf } = useProfiles();
  const member = room.members.find((m) => m.id === message.userId);
  const author = profileOf(message.userId, member ?? message.author);
  useEffect(() => {
    if (!member && !message.author) client.lookUpUser(message.userId);
  }, [member, message.author, message.userId]);

  const seenBy = mine ? others.filter((o) => (o.lastReadSeq ?? 0) >= message.seq).length : 0;
  const status = !mine ? undefined : seenBy > 0 ? 'seen' : 'sent';
  const statusLabel = status === 'seen' ? (room.kind === 'direct' || others.length <= 1 ? t('seen') : t('seenBy', { count: seenBy })) : t('sent');

  return (
    <li
      className={`msg ${mine ? 'mine' : 'theirs'}${startsGroup ? ' starts-group' : ''}${endsGroup ? ' ends-group' : ''}`}
      data-seq={message.seq}
      data-status={status}
      data-author={message.userId}
    >
      {!mine && (
        <div className="msg-avatar">
          {startsGroup && <Avatar id={author.id} name={author.displayName} avatarUrl={author.avatarUrl} size="sm" />}
        </div>
      )}
      <div className="msg-body">
        {!mine && startsGroup ? (
          <div className="msg-author">{author.displayName}</div>
        ) : (
          <span className="sr-only">{mine ? t('you') : author.displayName}</span>
        )}
        <div className="msg-row">
          <div className="bubble">
            <MessageText text={message.message} />
          </div>
          <div className="msg-meta">
            {mine && (
              <span className={`tick tick-${status}`} title={statusLabel}>
                {status === 'seen' ? <DoubleCheckIcon /> : <CheckIcon />}
                <span className={seenLabel ? 'tick-label' : 'sr-only'}>{statusLabel}</span>
              </span>
            )}
            <time dateTime={message.createdAt} title={formatDateTime(message.createdAt, locale)}>
              {formatTime(message.createdAt, locale)}
            </time>
          </div>
        </div>
      </div>
    </li>
  );
}

function PendingMessage({ local, startsGroup, locale, t }: { local: LocalMessage; startsGroup: boolean; locale: string; t: Translate }) {
  const failed = local.status === 'failed';
  return (
    <li className={`msg mine${startsGroup ? ' starts-group' : ''} ends-group is-${local.status}`} data-status={local.status} data-client-msg-id={local.clientMsgId}>
      <div className="msg-body">
        <span className="sr-only">{t('you')}</span>
        <div className="msg-row">
          <div className="bubble">
            <MessageText text={local.message} />
          </div>
          <div className="msg-meta">
            {failed ? (
              <span className="send-failed" role="alert">
                <AlertIcon />
                {t('failed')}
              </span>
            ) : (
              <span className="tick tick-sending" title={t('sending')}>
                <ClockIcon />
                <span className="sr-only">{t('sending')}</span>
              </span>
            )}
            <time dateTime={local.createdAt}>{formatTime(local.createdAt, locale)}</time>
          </div>
        </div>
        {failed && (
          <div className="failed-actions">
            <button type="button" className="link-button" onClick={() => client.retry(local.roomId, local.clientMsgId)}>
              {t('retry')}
            </button>
            <button type="button" className="link-button subtle" onClick={() => client.discard(local.roomId, local.clientMsgId)}>
              {t('discard')}
            </button>
          </div>
        )}
      </div>
    </li>
  );
}
