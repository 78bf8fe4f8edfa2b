// The people usePeople() found, as a list whose rows the caller draws; "no one found" once loading is done,
// and a button for the next page while there is one.
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';
import type { User } from '../types';
import type { People } from './usePeople';

interface Props {
  people: People;
  /** The id of the list element. */
  id?: string;
  renderPerson: (user: User) => ReactNode;
}

export function PeopleList({ people: { users, loading, hasMore, loadMore }, id, renderPerson }: Props) {
  const { t } = useI18n();
  return (
    <>
      <ul className="people-list" id={id} aria-busy={loading}>
        {users.map((u) => (
          <li key={u.id}>{renderPerson(u)}</li>
        ))}
      </ul>
      {!loading && users.length === 0 && <p className="muted center">{t('noPeople')}</p>}
      {hasMore && (
        <button type="button" className="secondary wide" onClick={loadMore} disabled={loading}>
          {t('loadMore')}
        </button>
      )}
    </>
  );
}
