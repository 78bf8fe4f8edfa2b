// The shell: the login screen, or the room list beside the open room (one or the other on a phone), with
// the offline banner above both and the dialogs on top.
import { useEffect, useState } from 'react';
import { AuthScreen } from './components/AuthScreen';
import { DirectoryDialog } from './components/DirectoryDialog';
import { NewGroupDialog } from './components/NewGroupDialog';
import { ProfileDialog } from './components/ProfileDialog';
import { RoomView } from './components/RoomView';
import { Sidebar } from './components/Sidebar';
import { WifiOffIcon } from './components/icons';
import { useI18n } from './i18n';
import { followLocation } from './router';
import { useAppState } from './state';

type DialogName = 'directory' | 'group' | 'profile' | null;

export function App() {
  const ready = useAppState((s) => s.ready);
  const me = useAppState((s) => s.me);
  if (!ready) return <div className="splash" aria-busy="true" />;
  if (!me) return <AuthScreen />;
  return <Chat key={me.id} />;
}

function Chat() {
  const { t } = useI18n();
  const activeRoomId = useAppState((s) => s.activeRoomId);
  const [dialog, setDialog] = useState<DialogName>(null);

  useEffect(() => followLocation(), []);

  // The tab title carries the unread count, so it shows from another tab too.
  const unread = useAppState((s) => s.rooms.reduce((n, r) => n + (r.unreadCount ?? 0), 0));
  useEffect(() => {
    document.title = unread ? `(${unread > 99 ? '99+' : unread}) suda` : 'suda';
    return () => {
      document.title = 'suda';
    };
  }, [unread]);

  return (
    <div className={`app${activeRoomId ? ' has-room' : ''}`}>
      <OfflineBanner />
      <div className="panes">
        <Sidebar onNewChat={() => setDialog('directory')} onNewGroup={() => setDialog('group')} onProfile={() => setDialog('profile')} />
        {activeRoomId ? (
          <RoomView key={activeRoomId} roomId={activeRoomId} />
        ) : (
          <main className="room room-empty" aria-label={t('chats')}>
            <div className="placeholder">
              <p>{t('pickRoom')}</p>
              <button type="button" className="primary" onClick={() => setDialog('directory')}>
                {t('findPeople')}
              </button>
            </div>
          </main>
        )}
      </div>
      {dialog === 'directory' && <DirectoryDialog onClose={() => setDialog(null)} />}
      {dialog === 'group' && <NewGroupDialog onClose={() => setDialog(null)} />}
      {dialog === 'profile' && <ProfileDialog onClose={() => setDialog(null)} />}
    </div>
  );
}

function OfflineBanner() {
  const { t } = useI18n();
  const connection = useAppState((s) => s.connection);
  const everConnected = useAppState((s) => s.everConnected);
  // Down: lost after having been connected, or failing to connect at all (not while the first attempt runs).
  const down = connection === 'offline' || (everConnected && connection !== 'online');
  return (
    <div className="banner-slot" role="status" aria-live="polite">
      {down && (
        <div className="offline-banner" data-testid="offline-banner">
          <WifiOffIcon />
          {t('offline')}
        </div>
      )}
    </div>
  );
}
