// The room list: most recent activity first, with the last message, its time, my unread count, and for a
// 1:1 room the other person's avatar and online dot.
import { useId, useMemo, useState } from 'react';
import { useProfiles } from '../hooks';
import { useI18n } from '../i18n';
import { formatListTime } from '../lib/dates';
import { directPartner, isDirect, roomTitle } from '../lib/rooms';
import { navigate, roomPath } from '../router';
import { useAppState } from '../state';
import type { Room } from '../types';
import { Avatar } from './Avatar';
import { ComposeIcon, GroupIcon } from './icons';
import { SearchField } from './SearchField';

interface Props {
  onNewChat: () => void;
  onNewGroup: () => void;
  onProfile: () => void;
}

export function Sidebar({ onNewChat, onNewGroup, onProfile }: Props) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const rooms = useAppState((s) => s.rooms);
  const roomsLoaded = useAppState((s) => s.roomsLoaded);
  const { profileOf, nameOf } = useProfiles();
  const [filter, setFilter] = useState('');
  const headingId = useId();
  const myProfile = profileOf(me.id, me);

  const shown = useMemo(() => {
    const q = filter.trim().toLocaleLowerCase();
    if (!q) return rooms;
    return rooms.filter((r) => roomTitle(r, me.id, nameOf).toLocaleLowerCase().includes(q));
  }, [rooms, filter, me.id, nameOf]);

  return (
    <nav className="sidebar" aria-labelledby={headingId}>
      <header className="sidebar-head">
        <button type="button" className="me-button" onClick={onProfile} aria-label={`${t('profile')}: ${myProfile.displayName}`}>
          <Avatar id={me.id} name={myProfile.displayName} avatarUrl={myProfile.avatarUrl} size="sm" />
        </button>
        <h1 id={headingId} className="sidebar-title">
          {t('chats')}
        </h1>
        <button type="button" className="icon-button" onClick={onNewGroup} aria-label={t('newGroup')} title={t('newGroup')}>
          <GroupIcon />
        </button>
        <button type="button" className="icon-button" onClick={onNewChat} aria-label={t('newChat')} title={t('newChat')}>
          <ComposeIcon />
        </button>
      </header>
      <SearchField label={t('searchChats')} value={filter} onChange={setFilter} />
      {roomsLoaded && rooms.length === 0 ? (
        <div className="empty-list">
          <p>{t('noRooms')}</p>
          <button type="button" className="primary" onClick={onNewChat}>
            {t('findPeople')}
          </button>
        </div>
      ) : (
        <ul className="room-list">
          {shown.map((room) => (
            <RoomItem key={room.id} room={room} />
          ))}
        </ul>
      )}
    </nav>
  );
}

function RoomItem({ room }: { room: Room }) {
  const { t, locale } = useI18n();
  const me = useAppState((s) => s.me)!;
  const active = useAppState((s) => s.activeRoomId === room.id);
  const typing = useAppState((s) => s.typing[room.id]);
  const { profileOf, nameOf } = useProfiles();
  const partner = directPartner(room, me.id);
  const partnerOnline = useAppState((s) => (partner ? !!s.online[partner.id] : false));
  const title = roomTitle(room, me.id, nameOf);
  const last = room.lastMessage;
  const unread = room.unreadCount ?? 0;
  const typers = typing ? Object.keys(typing) : [];

  let preview: string;
  if (typers.length) preview = typers.length === 1 ? t('typingOne', { name: nameOf(typers[0]!) }) : t('typingMany');
  else if (!last) preview = t('noMessagesYet');
  else if (last.userId === me.id) preview = t('youPrefix') + last.message;
  else if (!isDirect(room)) preview = `${nameOf(last.userId, last.author?.displayName)}: ${last.message}`;
  else preview = last.message;

  const at = last?.createdAt ?? room.createdAt;
  const p = partner ? profileOf(partner.id, partner) : undefined;

  return (
    <li>
      <a
        href={roomPath(room.id)}
        className={`room-item${active ? ' is-active' : ''}${unread ? ' has-unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        data-room-id={room.id}
        onClick={(e) => {
          if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          navigate(room.id);
        }}
      >
        {p ? (
          <Avatar id={p.id} name={p.displayName} avatarUrl={p.avatarUrl} online={partnerOnline} />
        ) : (
          <Avatar id={room.id} name={title} size="md" />
        )}
        <span className="room-text">
          <span className="room-line">
            <span className="room-title">{title}</span>
            {!isDirect(room) && <span className="room-count">{room.members.length}</span>}
            <time className="room-time" dateTime={at}>
              {formatListTime(at, locale)}
            </time>
          </span>
          <span className="room-line">
            <span className={`room-preview${typers.length ? ' is-typing' : ''}`}>{preview}</span>
            {unread > 0 && (
              <span className="badge" data-testid="unread-badge">
                <span aria-hidden="true">{unread > 99 ? '99+' : unread}</span>
                <span className="sr-only">{t('unreadCount', { count: unread })}</span>
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}
