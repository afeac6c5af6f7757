import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type Messages } from './messages-en.ts';
import { nb } from './messages-nb.ts';

export type Language = 'nb' | 'en';

export const LANGUAGES: readonly { code: Language; label: string }[] = [
  { code: 'nb', label: 'Norsk (bokmål)' },
  { code: 'en', label: 'English' },
];

const catalogs: Record<Language, Messages> = { nb, en };
const STORAGE_KEY = 'skjerm.language';

/**
 * The language the person chose before, else the browser's first preference we have:
 * Norwegian for any Norwegian variant (nb, no, nn: bokmål is the written form we ship),
 * English otherwise.
 */
export function initialLanguage(
  stored: string | null = safeStorage()?.getItem(STORAGE_KEY) ?? null,
  preferred: readonly string[] = navigator.languages ?? [navigator.language],
): Language {
  if (stored === 'nb' || stored === 'en') return stored;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'nb' || base === 'no' || base === 'nn') return 'nb';
    if (base === 'en') return 'en';
  }
  return 'nb';
}

export function rememberLanguage(language: Language): void {
  safeStorage()?.setItem(STORAGE_KEY, language);
  document.documentElement.lang = language;
}

export function messagesFor(language: Language): Messages {
  return catalogs[language];
}

/** Storage can be switched off (private modes); the choice then lasts for the page only. */
function safeStorage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined;
  }
}

export interface I18n {
  readonly language: Language;
  readonly t: Messages;
  setLanguage(language: Language): void;
  /** Date and time the way the language writes them, in the browser's time zone. */
  formatDateTime(iso: string): string;
  formatTime(iso: string): string;
}

export const I18nContext = createContext<I18n | undefined>(undefined);

/** An error said in the person's language when its code is known, else its own message. */
export function describeError(t: Messages, error: { code: string; message: string }): string {
  return t.errors[error.code] ?? t.call.error(error.message);
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error('useI18n outside I18nContext');
  return i18n;
}

export function createI18n(language: Language, setLanguage: (l: Language) => void): I18n {
  const locale = language === 'nb' ? 'nb-NO' : 'en-GB';
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const time = new Intl.DateTimeFormat(locale, { timeStyle: 'short' });
  return {
    language,
    t: catalogs[language],
    setLanguage,
    formatDateTime: (iso) => dateTime.format(new Date(iso)),
    formatTime: (iso) => time.format(new Date(iso)),
  };
}
