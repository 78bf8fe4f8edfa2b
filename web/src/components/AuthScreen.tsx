// Log in and sign up, with the server's error codes turned into messages people understand.
import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import { client } from '../client';
import { useI18n, type Key } from '../i18n';
import { LanguageSelect } from './LanguageSelect';

const errorKeys: Record<string, Key> = {
  email_taken: 'errEmailTaken',
  weak_password: 'errWeakPassword',
  invalid_email: 'errInvalidEmail',
  invalid_credentials: 'errInvalidCredentials',
  rate_limited: 'errRateLimited',
  network: 'errNetwork',
};

export function AuthScreen() {
  const { t } = useI18n();
  const [mode, setMode] = useState<'login' | 'signup'>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ key?: Key; message?: string; field?: 'email' | 'password' } | null>(null);
  const ids = { email: useId(), password: useId(), error: useId(), hint: useId() };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    if (mode === 'signup' && [...password].length < 8) {
      setError({ key: 'errWeakPassword', field: 'password' });
      return;
    }
    setBusy(true);
    try {
      if (mode === 'login') await client.logIn(email.trim(), password);
      else await client.signUp(email.trim(), password);
    } catch (err) {
      const code = err instanceof ApiError ? err.code : 'network';
      const key = errorKeys[code];
      const field = code === 'email_taken' || code === 'invalid_email' ? 'email' : code === 'weak_password' ? 'password' : undefined;
      setError(key ? { key, field } : { message: (err as Error).message });
      setBusy(false);
    }
  };

  const switchMode = (next: 'login' | 'signup') => {
    setMode(next);
    setError(null);
  };

  const errorText = error ? (error.key ? t(error.key) : t('errGeneric', { message: error.message ?? '' })) : '';

  return (
    <main className="auth">
      <div className="auth-card">
        <div className="auth-brand">
          <span className="logo" aria-hidden="true">
            <svg viewBox="0 0 64 64" width="44" height="44">
              <rect width="64" height="64" rx="16" className="logo-bg" />
              <path d="M16 20h32a4 4 0 0 1 4 4v16a4 4 0 0 1-4 4H30l-9 7v-7h-5a4 4 0 0 1-4-4V24a4 4 0 0 1 4-4z" className="logo-fg" />
            </svg>
          </span>
          <h1>suda</h1>
          <p className="muted">{t('tagline')}</p>
        </div>
        <div className="tabs" role="group">
          <button type="button" aria-pressed={mode === 'login'} className="tab" onClick={() => switchMode('login')}>
            {t('logIn')}
          </button>
          <button type="button" aria-pressed={mode === 'signup'} className="tab" onClick={() => switchMode('signup')}>
            {t('signUp')}
          </button>
        </div>
        <form onSubmit={submit} noValidate aria-describedby={error ? ids.error : undefined}>
          <h2 className="sr-only">{mode === 'login' ? t('logIn') : t('signUp')}</h2>
          <label htmlFor={ids.email}>{t('email')}</label>
          <input
            id={ids.email}
            name="email"
            type="email"
            autoComplete="email"
            inputMode="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={error?.field === 'email' || undefined}
            aria-describedby={error?.field === 'email' ? ids.error : undefined}
            autoFocus
          />
          <label htmlFor={ids.password}>{t('password')}</label>
          <input
            id={ids.password}
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'signup' ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error?.field === 'password' || undefined}
            aria-describedby={[mode === 'signup' ? ids.hint : '', error?.field === 'password' ? ids.error : ''].filter(Boolean).join(' ') || undefined}
          />
          {mode === 'signup' && (
            <p id={ids.hint} className="hint">
              {t('passwordHint')}
            </p>
          )}
          <p id={ids.error} className="form-error" role="alert">
            {errorText}
            {error?.key === 'errEmailTaken' && (
              <>
                {' '}
                <button type="button" className="link-button" onClick={() => switchMode('login')}>
                  {t('logIn')}
                </button>
              </>
            )}
          </p>
          <button type="submit" className="primary wide" disabled={busy}>
            {busy ? (mode === 'login' ? t('loggingIn') : t('signingUp')) : mode === 'login' ? t('logIn') : t('createAccount')}
          </button>
        </form>
        <p className="auth-switch muted">
          {mode === 'login' ? t('noAccount') : t('haveAccount')}{' '}
          <button type="button" className="link-button" onClick={() => switchMode(mode === 'login' ? 'signup' : 'login')}>
            {mode === 'login' ? t('createAccount') : t('logIn')}
          </button>
        </p>
        <LanguageSelect />
      </div>
    </main>
  );
}
