import type { ConsultationSummary } from '@skjerm/protocol';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ApiClient, ApiError, type Me } from './api/api-client.ts';
import { beginSignIn, currentSignIn, forgetSignIn, type SignedIn } from './auth/sign-in.ts';
import type { WebConfig } from './auth/web-config.ts';
import { LanguageSwitch } from './components/language-switch.tsx';
import { ScreenHeading } from './components/screen-heading.tsx';
import { useI18n } from './i18n/i18n.ts';
import { forgetInvite, pathOf, pendingInvite, type Route, routeOf } from './routes.ts';
import { HomeScreen } from './screens/home-screen.tsx';
import { HostCallScreen } from './screens/host-call-screen.tsx';
import { JoinScreen } from './screens/join-screen.tsx';
import { SignInScreen } from './screens/sign-in-screen.tsx';

interface AppProps {
  readonly config: WebConfig;
  /** A problem from the sign-in callback, shown on the sign-in screen. */
  readonly signInProblem?: string | undefined;
}

/** Who is signed in, where they are, and which screen that means. */
export function App({ config, signInProblem }: AppProps) {
  const { t } = useI18n();
  const [route, setRoute] = useState<Route>(() => routeOf(location.pathname));
  const [signedIn, setSignedIn] = useState<SignedIn | undefined>(currentSignIn);
  const [me, setMe] = useState<Me>();
  const [problem, setProblem] = useState(signInProblem);
  const [opened, setOpened] = useState<ConsultationSummary>();
  /** In a call or a waiting room: signing out or leaving by the logo would drop it. */
  const [inCall, setInCall] = useState(false);
  const api = useMemo(
    () => (signedIn ? new ApiClient(signedIn.accessToken) : undefined),
    [signedIn],
  );

  const navigate = useCallback((next: Route) => {
    if (pathOf(next) !== location.pathname) history.pushState(null, '', pathOf(next));
    setRoute(next);
  }, []);

  useEffect(() => {
    const onPop = () => setRoute(routeOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const signInExpired = useCallback(() => {
    forgetSignIn();
    setSignedIn(undefined);
    setMe(undefined);
    setProblem(t.signIn.expired);
  }, [t]);

  useEffect(() => {
    if (!api) return;
    api.me().then(setMe, (error: unknown) => {
      if (error instanceof ApiError && error.signInExpired) signInExpired();
      else setProblem(error instanceof Error ? error.message : String(error));
    });
  }, [api, signInExpired]);

  // An invitation waiting for this tab wins over the start page.
  useEffect(() => {
    if (me && route.name === 'home' && pendingInvite()) navigate({ name: 'join' });
  }, [me, route, navigate]);

  // Opening /consultations/<id> directly (a reload): find it among the clinician's own.
  useEffect(() => {
    if (!api || !me || route.name !== 'consultation' || opened?.id === route.id) return;
    api.listConsultations().then(
      (list) => {
        const found = list.find((c) => c.id === route.id);
        if (found) setOpened(found);
        else navigate({ name: 'home' });
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.signInExpired) signInExpired();
        else navigate({ name: 'home' });
      },
    );
  }, [api, me, route, opened, navigate, signInExpired]);

  const signOut = () => {
    forgetSignIn();
    forgetInvite();
    setSignedIn(undefined);
    setMe(undefined);
    navigate({ name: 'home' });
  };

  let screen: preact.ComponentChildren;
  if (!signedIn) {
    screen = (
      <SignInScreen
        invited={route.name === 'join' && pendingInvite() !== undefined}
        problem={problem}
        onSignIn={() => beginSignIn(config, pathOf(route))}
      />
    );
  } else if (!me) {
    screen = problem ? (
      <p class="notice error" role="alert">
        {problem}
      </p>
    ) : (
      <p role="status">{t.loading}</p>
    );
  } else if (route.name === 'join') {
    const invite = pendingInvite();
    screen = invite ? (
      <JoinScreen
        token={signedIn.accessToken}
        invite={invite}
        onActiveChange={setInCall}
        onDone={() => {
          forgetInvite();
          navigate({ name: 'home' });
        }}
      />
    ) : (
      <div class="card narrow">
        <ScreenHeading>{t.info.title}</ScreenHeading>
        <p class="notice error" role="alert">
          {t.info.noInvite}
        </p>
      </div>
    );
  } else if (route.name === 'consultation') {
    screen =
      opened?.id === route.id ? (
        <HostCallScreen
          key={opened.id}
          token={signedIn.accessToken}
          consultation={opened}
          onActiveChange={setInCall}
          onDone={() => navigate({ name: 'home' })}
        />
      ) : (
        <p role="status">{t.loading}</p>
      );
  } else if (api && (me.role === 'clinician' || me.role === 'observer-clinician')) {
    screen = (
      <HomeScreen
        api={api}
        onSignInExpired={signInExpired}
        onOpen={(consultation) => {
          setOpened(consultation);
          navigate({ name: 'consultation', id: consultation.id });
        }}
      />
    );
  } else {
    screen = (
      <div class="card narrow">
        <ScreenHeading>{t.appName}</ScreenHeading>
        <p class="lead">{t.home.notClinician}</p>
      </div>
    );
  }

  return (
    <>
      <a class="skip-link" href="#main">
        {t.skipToContent}
      </a>
      <header class="app-header">
        <a
          class="brand"
          href="/"
          onClick={(event) => {
            if (inCall) event.preventDefault();
          }}
        >
          <span class="brand-mark" aria-hidden="true" />
          <span class="brand-name">{t.appName}</span>
          <span class="brand-tagline">{t.tagline}</span>
        </a>
        <div class="header-tools">
          <LanguageSwitch />
          {me && (
            <>
              <span class="who">{t.signedInAs(me.name)}</span>
              {!inCall && (
                <button type="button" class="button small" onClick={signOut}>
                  {t.signOut}
                </button>
              )}
            </>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </>
  );
}
