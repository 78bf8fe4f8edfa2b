// Pick several people from the directory (for a new group, or to invite): a search box, checkboxes, and
// the chosen people as removable chips.
import { useId, useState } from 'react';
import { useI18n } from '../i18n';
import type { Profile } from '../types';
import { Avatar } from './Avatar';
import { CloseIcon, SearchIcon } from './icons';
import { usePeople } from './usePeople';

interface Props {
  myId: string;
  selected: Profile[];
  onChange: (selected: Profile[]) => void;
  /** People who cannot be picked (already members). */
  disabledIds?: Set<string>;
  label: string;
}

export function PeoplePicker({ myId, selected, onChange, disabledIds, label }: Props) {
  const { t } = useI18n();
  const [query, setQuery] = useState('');
  const { users, loading, hasMore, loadMore } = usePeople(query, myId);
  const searchId = useId();
  const groupId = useId();
  const chosen = new Set(selected.map((p) => p.id));

  const toggle = (p: Profile) => {
    if (chosen.has(p.id)) onChange(selected.filter((s) => s.id !== p.id));
    else onChange([...selected, { id: p.id, displayName: p.displayName, avatarUrl: p.avatarUrl }]);
  };

  return (
    <fieldset className="picker" aria-describedby={groupId}>
      <legend>{label}</legend>
      {selected.length > 0 && (
        <ul className="chips" aria-label={t('selected')}>
          {selected.map((p) => (
            <li key={p.id} className="chip">
              <Avatar id={p.id} name={p.displayName} avatarUrl={p.avatarUrl} size="xs" />
              <span>{p.displayName}</span>
              <button type="button" className="chip-remove" onClick={() => toggle(p)} aria-label={t('removeSelected', { name: p.displayName })}>
                <CloseIcon />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="search-field">
        <SearchIcon />
        <label htmlFor={searchId} className="sr-only">
          {t('searchPeople')}
        </label>
        <input id={searchId} type="search" placeholder={t('searchPeople')} value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      <ul className="people-list" id={groupId} aria-busy={loading}>
        {users.map((u) => {
          const disabled = disabledIds?.has(u.id) ?? false;
          return (
            <li key={u.id}>
              <label className={`person${disabled ? ' is-disabled' : ''}`} data-user-id={u.id}>
                <input type="checkbox" checked={disabled || chosen.has(u.id)} disabled={disabled} onChange={() => toggle(u)} />
                <Avatar id={u.id} name={u.displayName} avatarUrl={u.avatarUrl} />
                <span className="person-name">
                  {u.displayName}
                  {disabled && <span className="muted small"> · {t('alreadyMember')}</span>}
                </span>
              </label>
            </li>
          );
        })}
      </ul>
      {!loading && users.length === 0 && <p className="muted center">{t('noPeople')}</p>}
      {hasMore && (
        <button type="button" className="secondary wide" onClick={loadMore} disabled={loading}>
          {t('loadMore')}
        </button>
      )}
    </fieldset>
  );
}
