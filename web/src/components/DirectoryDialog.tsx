// The user directory: search, then one click opens the 1:1 room with that person (the same room if it
// exists already; the server answers 200 with it).
import { useState } from 'react';
import { client } from '../client';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { useAppState } from '../state';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { PeopleList } from './PeopleList';
import { SearchField } from './SearchField';
import { usePeople } from './usePeople';

export function DirectoryDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const online = useAppState((s) => s.online);
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState('');
  const people = usePeople(query, me.id);

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
      <SearchField label={t('searchPeople')} value={query} onChange={setQuery} autoFocus />
      <p className="form-error" role="alert">
        {error || (people.error ? t('errGeneric', { message: people.error }) : '')}
      </p>
      <PeopleList
        people={people}
        renderPerson={(u) => (
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
        )}
      />
    </Dialog>
  );
}
