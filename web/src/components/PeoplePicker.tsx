// Pick several people from the directory (for a new group, or to invite): a search box, checkboxes, and
// the chosen people as removable chips.
import { useId, useState } from 'react';
import { useI18n } from '../i18n';
import type { Profile } from '../types';
import { Avatar } from './Avatar';
import { CloseIcon } from './icons';
import { PeopleList } from './PeopleList';
import { SearchField } from './SearchField';
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
  const people = usePeople(query, myId);
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
      <SearchField label={t('searchPeople')} value={query} onChange={setQuery} />
      <PeopleList
        people={people}
        id={groupId}
        renderPerson={(u) => {
          const disabled = disabledIds?.has(u.id) ?? false;
          return (
            <label className={`person${disabled ? ' is-disabled' : ''}`} data-user-id={u.id}>
              <input type="checkbox" checked={disabled || chosen.has(u.id)} disabled={disabled} onChange={() => toggle(u)} />
              <Avatar id={u.id} name={u.displayName} avatarUrl={u.avatarUrl} />
              <span className="person-name">
                {u.displayName}
                {disabled && <span className="muted small"> · {t('alreadyMember')}</span>}
              </span>
            </label>
          );
        }}
      />
    </fieldset>
  );
}
