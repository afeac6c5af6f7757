import { LANGUAGES, type Language, useI18n } from '../i18n/i18n.ts';

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <label class="language-switch">
      <span class="visually-hidden">{t.language}</span>
      <select
        value={language}
        onChange={(event) => setLanguage(event.currentTarget.value as Language)}
        aria-label={t.language}
      >
        {LANGUAGES.map(({ code, label }) => (
          <option key={code} value={code} lang={code}>
            {label}
          </option>
        ))}
      </select>
    </label>
  );
}
