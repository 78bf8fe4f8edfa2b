// My profile: display name and photo (previewed before upload), language, and logging out. Everyone who
// shares a room with me sees the change live (the server sends them a `user` event).
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { client } from '../client';
import { useI18n } from '../i18n';
import { useAppState } from '../state';
import { Avatar } from './Avatar';
import { Dialog } from './Dialog';
import { CameraIcon } from './icons';
import { LanguageSelect } from './LanguageSelect';

const maxAvatarBytes = 8 * 1024 * 1024;
const imageTypes = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];

export function ProfileDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const me = useAppState((s) => s.me)!;
  const [name, setName] = useState(me.displayName);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ error?: string; ok?: string }>({});
  const ids = { name: useId(), nameHint: useId(), file: useId(), status: useId() };

  useEffect(() => {
    if (!file) {
      setPreview(undefined);
      return;
    }
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const pick = (f: File | undefined) => {
    setStatus({});
    if (!f) return;
    if (!imageTypes.includes(f.type)) {
      setStatus({ error: t('errInvalidImage') });
      return;
    }
    if (f.size > maxAvatarBytes) {
      setStatus({ error: t('errTooLarge') });
      return;
    }
    setFile(f);
  };

  const trimmed = name.trim();
  const nameChanged = trimmed !== me.displayName;
  const nameValid = [...trimmed].length >= 1 && [...trimmed].length <= 50;

  const save = async (e: FormEvent) => {
    e.preventDefault();
    if (!nameValid) {
      setStatus({ error: t('errInvalidDisplayName') });
      return;
    }
    setBusy(true);
    setStatus({});
    try {
      if (nameChanged) await client.updateProfile(trimmed);
      if (file) {
        await client.uploadAvatar(file);
        setFile(null);
      }
      setStatus({ ok: t('saved') });
    } catch (err) {
      const code = err instanceof ApiError ? err.code : '';
      const status = err instanceof ApiError ? err.status : 0;
      setStatus({
        error:
          code === 'invalid_display_name'
            ? t('errInvalidDisplayName')
            : code === 'invalid_image' || status === 415
              ? t('errInvalidImage')
              : status === 413
                ? t('errTooLarge')
                : t('errGeneric', { message: (err as Error).message }),
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('profile')} onClose={onClose} className="profile-dialog">
      <form onSubmit={save} noValidate>
        <div className="avatar-edit">
          <Avatar id={me.id} name={trimmed || me.displayName} avatarUrl={me.avatarUrl} size="xl" previewSrc={preview} />
          <div>
            <input
              id={ids.file}
              className="file-input"
              type="file"
              accept={imageTypes.join(',')}
              onChange={(e) => pick(e.target.files?.[0])}
            />
            <label htmlFor={ids.file} className="secondary button-like">
              <CameraIcon />
              {t('choosePhoto')}
            </label>
            {preview && <p className="muted small">{t('photoPreview')}</p>}
          </div>
        </div>
        <p className="muted small">{t('signedInAs', { email: me.email ?? '' })}</p>
        <label htmlFor={ids.name}>{t('displayName')}</label>
        <input
          id={ids.name}
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={60}
          autoComplete="nickname"
          aria-describedby={`${ids.nameHint} ${ids.status}`}
          aria-invalid={!nameValid || undefined}
        />
        <p id={ids.nameHint} className="hint">
          {t('displayNameHint')}
        </p>
        <p id={ids.status} className={status.error ? 'form-error' : 'form-ok'} role="status">
          {status.error ?? status.ok ?? ''}
        </p>
        <div className="dialog-actions">
          <button type="submit" className="primary" disabled={busy || (!nameChanged && !file)}>
            {busy ? t('saving') : t('save')}
          </button>
        </div>
      </form>
      <hr />
      <LanguageSelect />
      <div className="dialog-actions">
        <button type="button" className="danger" onClick={() => void client.logOut()}>
          {t('logOut')}
        </button>
      </div>
    </Dialog>
  );
}
