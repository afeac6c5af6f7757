/**
 * The web app's entry: reads the server's sign-in settings, finishes a sign-in coming back
 * from the identity provider, keeps an invitation from the address, and renders the app.
 */
import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { App } from './app.tsx';
import { completeSignIn, isSignInCallback } from './auth/sign-in.ts';
import { loadWebConfig, type WebConfig } from './auth/web-config.ts';
import {
  createI18n,
  I18nContext,
  initialLanguage,
  type Language,
  rememberLanguage,
} from './i18n/i18n.ts';
import { takeInviteFromUrl } from './routes.ts';

function Root({ config, signInProblem }: { config: WebConfig; signInProblem?: string }) {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const i18n = useMemo(
    () =>
      createI18n(language, (next) => {
        rememberLanguage(next);
        setLanguage(next);
      }),
    [language],
  );
  document.documentElement.lang = language;
  return (
    <I18nContext.Provider value={i18n}>
      <App config={config} signInProblem={signInProblem} />
    </I18nContext.Provider>
  );
}

async function start(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) return;
  const url = new URL(location.href);
  takeInviteFromUrl(url);
  let config: WebConfig;
  try {
    config = await loadWebConfig();
  } catch (error) {
    root.textContent = `Skjerm: ${error instanceof Error ? error.message : String(error)}`;
    return;
  }
  let signInProblem: string | undefined;
  if (isSignInCallback(url)) {
    try {
      const returnTo = await completeSignIn(config, url);
      history.replaceState(null, '', returnTo);
    } catch (error) {
      history.replaceState(null, '', '/');
      signInProblem = error instanceof Error ? error.message : String(error);
    }
  }
  render(<Root config={config} {...(signInProblem ? { signInProblem } : {})} />, root);
}

void start();
