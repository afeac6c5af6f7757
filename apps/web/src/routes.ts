/** The app's addresses. The server answers each of them with index.html. */
export type Route =
  | { readonly name: 'home' }
  | { readonly name: 'join' }
  | { readonly name: 'consultation'; readonly id: string };

export function routeOf(pathname: string): Route {
  if (pathname === '/join') return { name: 'join' };
  const consultation = /^\/consultations\/([\w-]{1,64})$/.exec(pathname);
  if (consultation?.[1]) return { name: 'consultation', id: consultation[1] };
  return { name: 'home' };
}

export function pathOf(route: Route): string {
  switch (route.name) {
    case 'join':
      return '/join';
    case 'consultation':
      return `/consultations/${route.id}`;
    default:
      return '/';
  }
}

const INVITE_KEY = 'skjerm.invite';
const INVITE_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * An invitation link is `/join#<secret>`: the fragment never reaches a server or a log. The
 * secret is kept for this tab (the sign-in leaves the page) and taken out of the address bar.
 */
export function takeInviteFromUrl(url: URL): void {
  if (url.pathname !== '/join' || url.hash.length <= 1) return;
  const secret = url.hash.slice(1);
  if (INVITE_PATTERN.test(secret)) sessionStorage.setItem(INVITE_KEY, secret);
  history.replaceState(null, '', '/join');
}

export function pendingInvite(): string | undefined {
  const secret = sessionStorage.getItem(INVITE_KEY);
  return secret && INVITE_PATTERN.test(secret) ? secret : undefined;
}

export function forgetInvite(): void {
  sessionStorage.removeItem(INVITE_KEY);
}
