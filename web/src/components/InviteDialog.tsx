// Invite more people to a group room.
import { useMemo, useState, type FormEvent } from 'react';
import { client } from '../client';
import { useProfiles } from '../hooks';
import { useI18n } from '../i18n';
import { roomTitle } from '../lib/rooms';
import { useAppState } from '../state';
import type { Profile, Room } from '../types';
import { Dialog, FormActions } from './Dialog';
import { PeoplePicker } from './PeoplePicker';

export function InviteDialog({ room, onClose }: { room: Room; onClose: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const { nameOf } = useProfiles();
  const [people, setPeople] = useState<Profile[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const members = useMemo(() => new Set(room.members.map((m) => m.id)), [room.members]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!people.length) return;
    setBusy(true);
    setError('');
    try {
      await client.invite(room.id, people.map((p) => p.id));
      onClose();
    } catch (err) {
      setError(t('errGeneric', { message: (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('inviteTo', { title: roomTitle(room, me.id, nameOf) })} onClose={onClose} className="people-dialog">
      <form onSubmit={submit}>
        <PeoplePicker myId={me.id} selected={people} onChange={setPeople} disabledIds={members} label={t('invite')} />
        <p className="form-error" role="alert">
          {error}
        </p>
        <FormActions onCancel={onClose} submitDisabled={busy || people.length === 0}>
          {t('inviteSelected')}
          {people.length > 0 ? ` (${people.length})` : ''}
        </FormActions>
      </form>
    </Dialog>
  );
}
