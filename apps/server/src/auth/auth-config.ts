import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../config/config-error.ts';
import { type Role, roles } from './identity.ts';

/**
 * The authentication settings, keyed by environment variable; the server spreads these
 * properties into its configuration schema (and README's table). Cross-field rules live in
 * readAuthConfig.
 */
export const authConfigSchema = Type.Object({
  SKJERM_OIDC_ISSUER: Type.String({
    default: '',
    description:
      'OpenID Connect issuer whose tokens are accepted (ID-porten, HelseID, a BankID broker); empty = the embedded test IdP under /idp.',
  }),
  SKJERM_OIDC_JWKS_URI: Type.String({
    default: '',
    description:
      "URL of the issuer's signing keys; empty = the jwks_uri of its discovery document.",
  }),
  SKJERM_OIDC_AUDIENCE: Type.String({
    default: 'skjerm',
    minLength: 1,
    description: 'Audience (aud) a token must be issued for.',
  }),
  SKJERM_OIDC_ALGORITHMS: Type.String({
    default: 'RS256,PS256,ES256,EdDSA',
    minLength: 1,
    description: 'Comma-separated JWS algorithms accepted on tokens (asymmetric only).',
  }),
  SKJERM_OIDC_CLIENT_ID: Type.String({
    default: 'skjerm-web',
    minLength: 1,
    description:
      "The web app's client id at SKJERM_OIDC_ISSUER (a public client: code flow with PKCE, redirect URI = the server's origin + /). The embedded IdP's is skjerm-web.",
  }),
  SKJERM_OIDC_SCOPE: Type.String({
    default: 'openid profile skjerm',
    minLength: 1,
    description:
      'Scopes the web app asks for: openid plus whatever makes the issuer put the claims below and the audience into the access token.',
  }),
  SKJERM_CLAIM_NAME: Type.String({
    default: 'name',
    minLength: 1,
    description: "Claim holding the person's display name.",
  }),
  SKJERM_CLAIM_ROLE: Type.String({
    default: 'skjerm_role',
    minLength: 1,
    description: `Claim holding the person's role (${roles.join(', ')}).`,
  }),
  SKJERM_CLAIM_NATIONAL_ID: Type.String({
    default: 'pid',
    minLength: 1,
    description:
      'Claim holding the fødselsnummer / personnummer (HelseID: helseid://claims/identity/pid).',
  }),
  SKJERM_CLAIM_ASSURANCE: Type.String({
    default: 'acr',
    minLength: 1,
    description: "Claim holding the authentication's level of assurance.",
  }),
  SKJERM_PATIENT_ASSURANCE_LEVELS: Type.String({
    default: 'idporten-loa-high',
    minLength: 1,
    description: 'Comma-separated assurance values accepted for patients; others are refused.',
  }),
  SKJERM_DEFAULT_ROLE: Type.Union(
    roles.map((role) => Type.Literal(role)),
    { default: 'patient', description: 'Role of a person whose token has no role claim.' },
  ),
  SKJERM_IDP_REDIRECT_URIS: Type.String({
    default: '',
    description:
      "Embedded IdP only: comma-separated redirect URIs of the web app; empty = the server's own origin + /.",
  }),
  SKJERM_IDP_KEY_ROTATION_HOURS: Type.Integer({
    default: 24,
    minimum: 1,
    maximum: 8760,
    description:
      'Embedded IdP only: hours between signing-key rotations (the previous key stays published).',
  }),
});

export type RawAuthConfig = Static<typeof authConfigSchema>;

/**
 * JWS algorithms a token may be signed with. Only asymmetric ones: with an HMAC algorithm the
 * verification key is the signing key, and a verifier that accepts HS256 can be fed a token
 * "signed" with the IdP's public key (RFC 8725 §2.1, §3.1).
 */
export const asymmetricAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export type SigningAlgorithm = (typeof asymmetricAlgorithms)[number];

/** The algorithm the embedded IdP signs with. */
export const embeddedIdpAlgorithm = 'ES256' satisfies SigningAlgorithm;

/** Which claim holds what; names are taken as they are (HelseID's contain "://"). */
export interface ClaimMapping {
  name: string;
  role: string;
  nationalId: string;
  assurance: string;
}

export interface ExternalIdpConfig {
  kind: 'external';
  issuer: string;
  /** undefined = take it from the discovery document. */
  jwksUri: string | undefined;
  /** What the web app signs in with there. */
  clientId: string;
  scope: string;
}

export interface EmbeddedIdpConfig {
  kind: 'embedded';
  /** Empty = the server should register its own origin + '/'. */
  redirectUris: string[];
  keyRotationIntervalMs: number;
}

export interface AuthConfig {
  identityProvider: ExternalIdpConfig | EmbeddedIdpConfig;
  audience: string;
  algorithms: SigningAlgorithm[];
  claims: ClaimMapping;
  patientAssuranceLevels: string[];
  defaultRole: Role;
}

/** Checks the rules that span variables; throws ConfigError naming the first bad one. */
export function readAuthConfig(raw: RawAuthConfig): AuthConfig {
  const issuer = raw.SKJERM_OIDC_ISSUER.trim();
  const jwksUri = raw.SKJERM_OIDC_JWKS_URI.trim();
  const algorithms = readAlgorithms(raw.SKJERM_OIDC_ALGORITHMS);
  const redirectUris = commaList(raw.SKJERM_IDP_REDIRECT_URIS);

  let identityProvider: AuthConfig['identityProvider'];
  if (issuer) {
    checkFetchableUrl('SKJERM_OIDC_ISSUER', issuer);
    if (jwksUri) checkFetchableUrl('SKJERM_OIDC_JWKS_URI', jwksUri);
    if (redirectUris.length > 0) {
      throw new ConfigError(
        'SKJERM_IDP_REDIRECT_URIS',
        'applies to the embedded IdP only; register redirect URIs with SKJERM_OIDC_ISSUER instead',
      );
    }
    identityProvider = {
      kind: 'external',
      issuer,
      jwksUri: jwksUri || undefined,
      clientId: raw.SKJERM_OIDC_CLIENT_ID.trim(),
      scope: raw.SKJERM_OIDC_SCOPE.trim(),
    };
  } else {
    if (jwksUri) {
      throw new ConfigError(
        'SKJERM_OIDC_JWKS_URI',
        'is set but SKJERM_OIDC_ISSUER is empty (the embedded IdP publishes its own keys)',
      );
    }
    if (!algorithms.includes(embeddedIdpAlgorithm)) {
      throw new ConfigError(
        'SKJERM_OIDC_ALGORITHMS',
        `must include ${embeddedIdpAlgorithm}, which the embedded IdP signs with`,
      );
    }
    for (const uri of redirectUris) checkRedirectUri(uri);
    for (const name of ['SKJERM_OIDC_CLIENT_ID', 'SKJERM_OIDC_SCOPE'] as const) {
      if (raw[name] !== authConfigSchema.properties[name].default) {
        throw new ConfigError(
          name,
          'applies to SKJERM_OIDC_ISSUER only (the embedded IdP registers skjerm-web itself)',
        );
      }
    }
    identityProvider = {
      kind: 'embedded',
      redirectUris,
      keyRotationIntervalMs: raw.SKJERM_IDP_KEY_ROTATION_HOURS * 3_600_000,
    };
  }

  const patientAssuranceLevels = commaList(raw.SKJERM_PATIENT_ASSURANCE_LEVELS);
  if (patientAssuranceLevels.length === 0) {
    throw new ConfigError('SKJERM_PATIENT_ASSURANCE_LEVELS', 'must name at least one value');
  }

  return {
    identityProvider,
    audience: raw.SKJERM_OIDC_AUDIENCE.trim(),
    algorithms,
    claims: {
      name: raw.SKJERM_CLAIM_NAME.trim(),
      role: raw.SKJERM_CLAIM_ROLE.trim(),
      nationalId: raw.SKJERM_CLAIM_NATIONAL_ID.trim(),
      assurance: raw.SKJERM_CLAIM_ASSURANCE.trim(),
    },
    patientAssuranceLevels,
    defaultRole: raw.SKJERM_DEFAULT_ROLE,
  };
}

function commaList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function readAlgorithms(value: string): SigningAlgorithm[] {
  const listed = commaList(value);
  if (listed.length === 0) {
    throw new ConfigError('SKJERM_OIDC_ALGORITHMS', 'must name at least one algorithm');
  }
  for (const algorithm of listed) {
    if (algorithm.toLowerCase() === 'none' || /^HS\d+$/i.test(algorithm)) {
      throw new ConfigError(
        'SKJERM_OIDC_ALGORITHMS',
        `must not contain ${algorithm}: only asymmetric signatures are accepted`,
      );
    }
    if (!(asymmetricAlgorithms as readonly string[]).includes(algorithm)) {
      throw new ConfigError(
        'SKJERM_OIDC_ALGORITHMS',
        `contains unknown algorithm ${JSON.stringify(algorithm)} (known: ${asymmetricAlgorithms.join(', ')})`,
      );
    }
  }
  return [...new Set(listed)] as SigningAlgorithm[];
}

/** An https URL; plain http only on loopback, where tests run their own IdP. */
function checkFetchableUrl(variable: string, value: string): void {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new ConfigError(variable, `is ${JSON.stringify(value)}: expected an https URL`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new ConfigError(variable, 'must use https (plain http is allowed on loopback only)');
  }
  if (url.search || url.hash) {
    throw new ConfigError(variable, 'must not have a query or fragment');
  }
}

function checkRedirectUri(value: string): void {
  const url = URL.parse(value);
  if (url?.protocol !== 'https:' || url.hash) {
    throw new ConfigError(
      'SKJERM_IDP_REDIRECT_URIS',
      `contains ${JSON.stringify(value)}: expected https URLs without a fragment`,
    );
  }
}

export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
