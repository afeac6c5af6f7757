import type { Role } from './identity.ts';

/** ID-porten's assurance values (acr), which the embedded IdP mimics. */
export type TestAssurance = 'idporten-loa-high' | 'idporten-loa-substantial';

/** A person one can sign in as at the embedded IdP. Every one of them is made up. */
export interface TestPerson {
  /** Account id, and the tokens' `sub`. */
  id: string;
  name: string;
  role: Role;
  /** What the person is for, in Norwegian and English, shown on the sign-in page. */
  description: string;
  /** A synthetic identity number: not anyone's real one. */
  nationalId?: string;
  assurance: TestAssurance;
}

/**
 * The embedded IdP's fixed cast. Norwegian numbers are synthetic in the Tenor style (month + 80,
 * valid mod-11 check digits), a range no real person is given; the Swedish one is Skatteverket's
 * well-known test personnummer for "Tolvan Tolvansson". One patient signs in with only
 * substantial assurance, to show that patients need high.
 */
export const testPeople: readonly TestPerson[] = [
  {
    id: 'kari-nordmann',
    name: 'Dr. Kari Nordmann',
    role: 'clinician',
    description: 'Fastlege / general practitioner',
    nationalId: '14837510008',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'ola-hansen',
    name: 'Dr. Ola Hansen',
    role: 'clinician',
    description: 'Spesialist i indremedisin / internal medicine specialist',
    nationalId: '02816820076',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'marte-solberg',
    name: 'Dr. Marte Solberg',
    role: 'observer-clinician',
    description: 'Veileder som observerer / supervising clinician, observing',
    nationalId: '09878233120',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'ingrid-berg',
    name: 'Ingrid Berg',
    role: 'patient',
    description: 'Pasient, fødselsnummer / patient with a birth number',
    nationalId: '21869030039',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'lars-johansen',
    name: 'Lars Johansen',
    role: 'patient',
    description: 'Pasient, D-nummer / patient with a D-number',
    nationalId: '45898515005',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'tolvan-tolvansson',
    name: 'Tolvan Tolvansson',
    role: 'patient',
    description: 'Svensk pasient, personnummer / Swedish patient',
    nationalId: '191212121212',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'nora-dahl',
    name: 'Nora Dahl',
    role: 'patient',
    description: 'Pasient i gruppetime / patient in group therapy',
    nationalId: '03858997150',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'sigrid-lund',
    name: 'Sigrid Lund',
    role: 'patient',
    description:
      'Pasient med bare betydelig sikkerhetsnivå (avvises) / patient with substantial assurance only (refused)',
    nationalId: '10820150061',
    assurance: 'idporten-loa-substantial',
  },
  {
    id: 'amira-haddad',
    name: 'Amira Haddad',
    role: 'interpreter',
    description: 'Tolk, arabisk / Arabic interpreter',
    nationalId: '17907825086',
    assurance: 'idporten-loa-high',
  },
  {
    id: 'erik-berg',
    name: 'Erik Berg',
    role: 'relative',
    description: 'Pårørende til Ingrid Berg / relative of Ingrid Berg',
    nationalId: '30846012091',
    assurance: 'idporten-loa-high',
  },
];
