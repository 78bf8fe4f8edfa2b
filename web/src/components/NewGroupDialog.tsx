// A group room: a title and members picked from the directory; I become its owner.
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { client } from '../client';
import { useI18n } from '../i18n';
import { navigate } from '../router';
import { useAppState } from '../state';
import type { Profile } from '../types';
import { Dialog, FormActions } from './Dialog';
import { PeoplePicker } from './PeoplePicker';

export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState<Profile[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const titleId = useId();
  const errorId = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) {
      setError(t('errInvalidTitle'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      const room = await client.createGroup(trimmed, members.map((m) => m.id));
      onClose();
      navigate(room.id);
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'invalid_title' ? t('errInvalidTitle') : t('errGeneric', { message: (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('newGroup')} onClose={onClose} className="people-dialog">
      <form onSubmit={submit} noValidate>
        <label htmlFor={titleId}>{t('groupTitle')}</label>
        <input
          id={titleId}
          value={title}
          onChange={(e) => setTitle(e.target.value)}
          placeholder={t('groupTitlePlaceholder')}
          maxLength={100}
          required
          autoFocus
          aria-invalid={!!error || undefined}
          aria-describedby={error ? errorId : undefined}
        />
        <PeoplePicker myId={me.id} selected={members} onChange={setMembers} label={t('addMembers')} />
        <p id={errorId} className="form-error" role="alert">
          {error}
        </p>
        <FormActions onCancel={onClose} submitDisabled={busy}>
          {t('create')}
        </FormActions>
      </form>
    </Dialog>
  );
}
