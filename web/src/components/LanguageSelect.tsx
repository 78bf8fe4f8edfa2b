import { useId } from 'react';
import { languages, setLanguage, useI18n, type Lang } from '../i18n';

export function LanguageSelect() {
  const { lang, t } = useI18n();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t('language')}</label>
      <select id={id} value={lang} onChange={(e) => setLanguage(e.target.value as Lang)}>
        {languages.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </div>
  );
}
