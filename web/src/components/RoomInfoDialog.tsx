// A room's members (with who is online), and the room's actions: invite (groups) and leave.
import { useState } from 'react';
import { client } from '../client';
import { useProfiles } from '../hooks';
import { useI18n } from '../i18n';
import { isDirect, roomTitle } from '../lib/rooms';
import { navigate } from '../router';
import { useAppState } from '../state';
import type { Room } from '../types';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';

export function RoomInfoDialog({ room, onClose, onInvite }: { room: Room; onClose: () => void; onInvite: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const online = useAppState((s) => s.online);
  const { profileOf, nameOf } = useProfiles();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const title = roomTitle(room, me.id, nameOf);

  const leave = async () => {
    setBusy(true);
    try {
      await client.leave(room.id);
      onClose();
      navigate(null, { replace: true });
    } catch (err) {
      setError(t('errGeneric', { message: (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} onClose={onClose} className="info-dialog">
      <h3 className="section-title">
        {t('members')} · {room.members.length}
      </h3>
      <ul className="people-list">
        {room.members.map((m) => {
          const p = profileOf(m.id, m);
          return (
            <li key={m.id} className="person static">
              <Avatar id={p.id} name={p.displayName} avatarUrl={p.avatarUrl} online={m.id === me.id ? undefined : !!online[m.id]} />
              <span className="person-name">
                {p.displayName}
                {m.id === me.id && <span className="muted small"> ({t('you')})</span>}
              </span>
              {m.role === 'owner' && !isDirect(room) && <span className="role">{t('owner')}</span>}
            </li>
          );
        })}
      </ul>
      <p className="form-error" role="alert">
        {error}
      </p>
      {confirming ? (
        <div className="confirm" role="group" aria-labelledby="leave-confirm-text">
          <p id="leave-confirm-text">{t('leaveConfirm', { title })}</p>
          <div className="dialog-actions">
            <button type="button" className="secondary" onClick={() => setConfirming(false)} autoFocus>
              {t('cancel')}
            </button>
            <button type="button" className="danger" onClick={leave} disabled={busy}>
              {t('leave')}
            </button>
          </div>
        </div>
      ) : (
        <div className="dialog-actions">
          {!isDirect(room) && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                onInvite();
              }}
            >
              {t('invite')}
            </button>
          )}
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('leave')}
          </button>
        </div>
      )}
    </Dialog>
  );
}
