import { useCallback } from 'react';
import { useI18n } from './i18n';
import { useAppState } from './state';
import type { Profile } from './types';

/** The freshest name and avatar of a user: live `user` events win over what a room or message carried. */
export function useProfiles() {
  const users = useAppState((s) => s.users);
  const { t } = useI18n();
  const profileOf = useCallback(
    (id: string, fallback?: Partial<Profile>): Profile => {
      const known = users[id];
      return {
        id,
        displayName: known?.displayName ?? fallback?.displayName ?? t('unknownUser'),
        avatarUrl: known ? known.avatarUrl : (fallback?.avatarUrl ?? null),
      };
    },
    [users, t],
  );
  const nameOf = useCallback((id: string, fallback?: string) => profileOf(id, { displayName: fallback }).displayName, [profileOf]);
  return { profileOf, nameOf };
}
