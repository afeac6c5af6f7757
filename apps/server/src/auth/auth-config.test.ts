import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.ts';
import { authConfigSchema, type RawAuthConfig, readAuthConfig } from './auth-config.ts';
import { authErrorCodes } from './auth-errors.ts';

function raw(overrides: Partial<RawAuthConfig> = {}): RawAuthConfig {
  return { ...(Value.Default(authConfigSchema, {}) as RawAuthConfig), ...overrides };
}

/** The ConfigError reading `overrides` throws. */
function problemWith(overrides: Partial<RawAuthConfig>): ConfigError {
  try {
    readAuthConfig(raw(overrides));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('authConfigSchema', () => {
  it('gives every variable a default and a description', () => {
    for (const [name, property] of Object.entries(authConfigSchema.properties)) {
      expect(property.default, name).toBeDefined();
      expect(property.description, name).toBeTruthy();
      expect(Value.Check(property, property.default), name).toBe(true);
    }
  });
});

describe('readAuthConfig', () => {
  it('defaults to the embedded IdP, its claim names and high assurance for patients', () => {
    expect(readAuthConfig(raw())).toEqual({
      identityProvider: { kind: 'embedded', redirectUris: [], keyRotationIntervalMs: 86_400_000 },
      audience: 'skjerm',
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
      claims: { name: 'name', role: 'skjerm_role', nationalId: 'pid', assurance: 'acr' },
      patientAssuranceLevels: ['idporten-loa-high'],
      defaultRole: 'patient',
    });
  });

  it('reads an external issuer exactly as written, trailing slash and all (iss must match it)', () => {
    const config = readAuthConfig(raw({ SKJERM_OIDC_ISSUER: 'https://idp.example.no/' }));
    expect(config.identityProvider).toEqual({
      kind: 'external',
      issuer: 'https://idp.example.no/',
      jwksUri: undefined,
      clientId: 'skjerm-web',
      scope: 'openid profile skjerm',
    });
  });

  it('reads comma lists, trimming blanks and duplicates', () => {
    const config = readAuthConfig(
      raw({
        SKJERM_OIDC_ALGORITHMS: ' RS256, ES256 ,RS256,',
        SKJERM_PATIENT_ASSURANCE_LEVELS: 'idporten-loa-high, urn:grn:authn:no:bankid',
        SKJERM_IDP_REDIRECT_URIS: 'https://skjerm.example.no/, https://localhost:8443/',
      }),
    );
    expect(config.algorithms).toEqual(['RS256', 'ES256']);
    expect(config.patientAssuranceLevels).toEqual(['idporten-loa-high', 'urn:grn:authn:no:bankid']);
    expect(config.identityProvider).toMatchObject({
      redirectUris: ['https://skjerm.example.no/', 'https://localhost:8443/'],
    });
  });

  it.each(['none', 'HS256', 'hs512'])('refuses the algorithm %s', (algorithm) => {
    const error = problemWith({ SKJERM_OIDC_ALGORITHMS: `RS256,${algorithm}` });
    expect(error.variable).toBe('SKJERM_OIDC_ALGORITHMS');
    expect(error.message).toMatch(/asymmetric/);
  });

  it('refuses an unknown algorithm', () => {
    expect(problemWith({ SKJERM_OIDC_ALGORITHMS: 'RS256,XS999' }).variable).toBe(
      'SKJERM_OIDC_ALGORITHMS',
    );
  });

  it('requires ES256 when the embedded IdP signs the tokens', () => {
    expect(problemWith({ SKJERM_OIDC_ALGORITHMS: 'RS256' }).message).toMatch(/ES256/);
    expect(() =>
      readAuthConfig(
        raw({ SKJERM_OIDC_ISSUER: 'https://idp.example.no/', SKJERM_OIDC_ALGORITHMS: 'RS256' }),
      ),
    ).not.toThrow();
  });

  it.each([
    ['not a url', 'expected an https URL'],
    ['ftp://idp.example.no', 'expected an https URL'],
    ['http://idp.example.no', 'plain http is allowed on loopback only'],
    ['https://idp.example.no/?tenant=1', 'query or fragment'],
  ])('refuses the issuer %s', (issuer, problem) => {
    const error = problemWith({ SKJERM_OIDC_ISSUER: issuer });
    expect(error.variable).toBe('SKJERM_OIDC_ISSUER');
    expect(error.message).toContain(problem);
  });

  it('allows plain http for an issuer on loopback (tests)', () => {
    expect(() =>
      readAuthConfig(raw({ SKJERM_OIDC_ISSUER: 'http://127.0.0.1:9000' })),
    ).not.toThrow();
  });

  it('refuses a JWKS URI without an issuer to go with it', () => {
    expect(problemWith({ SKJERM_OIDC_JWKS_URI: 'https://idp.example.no/jwks' }).variable).toBe(
      'SKJERM_OIDC_JWKS_URI',
    );
  });

  it('refuses embedded-IdP redirect URIs when an external issuer is configured', () => {
    const error = problemWith({
      SKJERM_OIDC_ISSUER: 'https://idp.example.no/',
      SKJERM_IDP_REDIRECT_URIS: 'https://skjerm.example.no/',
    });
    expect(error.variable).toBe('SKJERM_IDP_REDIRECT_URIS');
  });

  it('refuses a redirect URI that is not https', () => {
    expect(problemWith({ SKJERM_IDP_REDIRECT_URIS: 'http://skjerm.example.no/' }).variable).toBe(
      'SKJERM_IDP_REDIRECT_URIS',
    );
  });

  it('refuses an empty list of patient assurance levels', () => {
    expect(problemWith({ SKJERM_PATIENT_ASSURANCE_LEVELS: ' , ' }).variable).toBe(
      'SKJERM_PATIENT_ASSURANCE_LEVELS',
    );
  });
});

describe('docs/auth.md', () => {
  const docs = readFileSync(new URL('../../../../docs/auth.md', import.meta.url), 'utf8');

  it('documents every configuration variable', () => {
    for (const name of Object.keys(authConfigSchema.properties))
      expect(docs).toContain(`\`${name}\``);
  });

  it('documents every error code', () => {
    for (const code of authErrorCodes) expect(docs).toContain(`\`${code}\``);
  });
});
