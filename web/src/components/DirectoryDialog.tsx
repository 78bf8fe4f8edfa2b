// The user directory: search, then one click opens the 1:1 room with that person (the same room if it
// exists already; the server answers 200 with it).
import { useId, useState } from 'react';
import { client } from '../client';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { useAppState } from '../state';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { SearchIcon } from './icons';
import { usePeople } from './usePeople';

export function DirectoryDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const online = useAppState((s) => s.online);
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState('');
  const { users, loading, hasMore, loadMore, error: loadError } = usePeople(query, me.id);
  const searchId = useId();

  const open = async (userId: string) => {
    setBusy(userId);
    setError('');
    try {
      const room = await client.openDirect(userId);
      onClose();
      navigate(room.id);
    } catch (err) {
      setError(t('errGeneric', { message: (err as Error).message }));
      setBusy(null);
    }
  };

  return (
    <Dialog title={t('directory')} onClose={onClose} className="people-dialog">
      <div className="search-field">
        <SearchIcon />
        <label htmlFor={searchId} className="sr-only">
          {t('searchPeople')}
        </label>
        <input id={searchId} type="search" placeholder={t('searchPeople')} value={query} onChange={(e) => setQuery(e.target.value)} autoFocus />
      </div>
      <p className="form-error" role="alert">
        {error || (loadError ? t('errGeneric', { message: loadError }) : '')}
      </p>
      <ul className="people-list" aria-busy={loading}>
        {users.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              className="person"
              onClick={() => open(u.id)}
              disabled={busy !== null}
              aria-label={t('messagePerson', { name: u.displayName })}
              data-user-id={u.id}
            >
              <Avatar id={u.id} name={u.displayName} avatarUrl={u.avatarUrl} online={online[u.id]} />
              <span className="person-name">{u.displayName}</span>
            </button>
          </li>
        ))}
      </ul>
      {!loading && users.length === 0 && <p className="muted center">{t('noPeople')}</p>}
      {hasMore && (
        <button type="button" className="secondary wide" onClick={loadMore} disabled={loading}>
          {t('loadMore')}
        </button>
      )}
    </Dialog>
  );
}
