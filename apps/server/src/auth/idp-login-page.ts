import { createHash } from 'node:crypto';
import type { Role } from './identity.ts';
import type { TestPerson } from './test-people.ts';

const style = `
body { font: 16px/1.45 system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f24; }
main { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
.warning { background: #fff4ce; border: 1px solid #e0c060; padding: .75rem 1rem; border-radius: .4rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
button { display: block; width: 100%; text-align: left; margin: .4rem 0; padding: .7rem 1rem;
  font: inherit; background: #fff; border: 1px solid #b8c2cc; border-radius: .4rem; cursor: pointer; }
button:hover, button:focus { border-color: #0b5cad; outline: 2px solid #0b5cad33; }
.who { font-weight: 600; } .what, .id { display: block; color: #4a5561; font-size: .9rem; }
.cancel { text-align: center; background: transparent; }
`;

/**
 * The page allows only its own inline style: no scripts, no external assets, no framing. The
 * style is allowed by its hash rather than 'unsafe-inline'.
 */
export const loginPageSecurityPolicy = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`,
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const roleHeadings: Record<Role, string> = {
  clinician: 'Helsepersonell / Clinicians',
  'observer-clinician': 'Observatør / Observing clinician',
  patient: 'Pasienter / Patients',
  interpreter: 'Tolk / Interpreter',
  relative: 'Pårørende / Relatives',
};

const assuranceLabels: Record<TestPerson['assurance'], string> = {
  'idporten-loa-high': 'sikkerhetsnivå høyt / high assurance',
  'idporten-loa-substantial': 'sikkerhetsnivå betydelig / substantial assurance',
};

/** Form field names the interaction routes read (and test-login submits). */
export const loginFormFields = { person: 'person', cancel: 'cancel' } as const;

export interface LoginPageContent {
  /** Where the form posts: the interaction's login route. */
  action: string;
  clientName: string;
  people: readonly TestPerson[];
}

/** The embedded IdP's sign-in page: one button per test person, grouped by role. */
export function renderLoginPage({ action, clientName, people }: LoginPageContent): string {
  const groups = Object.entries(roleHeadings)
    .map(([role, heading]) => {
      const members = people.filter((person) => person.role === role);
      if (members.length === 0) return '';
      return `<h2>${escapeHtml(heading)}</h2>\n${members.map(personButton).join('\n')}`;
    })
    .join('\n');
  return page(
    'Logg inn / Sign in',
    `<p class="warning"><strong>Testinnlogging.</strong> Alle personene er oppdiktet; bruk aldri
dette for ekte pasienter. / <strong>Test sign-in.</strong> Everyone here is made up; never use
this for real patients.</p>
<h1>Logg inn i ${escapeHtml(clientName)} som / Sign in to ${escapeHtml(clientName)} as</h1>
<form method="post" action="${escapeHtml(action)}">
${groups}
<h2>&nbsp;</h2>
<button class="cancel" type="submit" name="${loginFormFields.cancel}" value="1">Avbryt / Cancel</button>
</form>`,
  );
}

/** A dead end (expired or finished sign-in); the message must already be safe to show. */
export function renderIdpErrorPage(message: string): string {
  return page(
    'Innlogging feilet / Sign-in failed',
    `<h1>Innlogging feilet / Sign-in failed</h1>\n<p>${escapeHtml(message)}</p>`,
  );
}

function personButton(person: TestPerson): string {
  const identity = person.nationalId ? ` · ${person.nationalId}` : '';
  return `<button type="submit" name="${loginFormFields.person}" value="${escapeHtml(person.id)}">
<span class="who">${escapeHtml(person.name)}</span>
<span class="what">${escapeHtml(person.description)}</span>
<span class="id">${escapeHtml(assuranceLabels[person.assurance] + identity)}</span>
</button>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="nb">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} – Skjerm test-IdP</title>
<style>${style}</style>
</head>
<body><main>
${body}
</main></body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (char) =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );
}
