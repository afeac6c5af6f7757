import { existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkjermDatabase } from './database.ts';
import { hashInviteSecret } from './secrets.ts';
import { exampleBooking, host, tempDatabaseFile } from './test-database.ts';

describe('ConsultationStore', () => {
  let file: string;
  let database: SkjermDatabase;

  beforeEach(() => {
    file = tempDatabaseFile();
    database = SkjermDatabase.open(file);
  });

  afterEach(() => database.close());

  it('books a consultation with an unguessable id, the host and co-clinicians, and invitees', () => {
    const now = new Date('2031-02-01T08:00:00Z');
    const { consultation, invites } = database.consultations.create(exampleBooking(), now);
    expect(consultation.id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(consultation).toEqual({
      id: consultation.id,
      title: 'Kontroll etter operasjon',
      startsAt: '2031-03-04T09:00:00.000Z',
      mode: 'consultation',
      interpreter: true,
      status: 'booked',
      createdAt: '2031-02-01T08:00:00.000Z',
      createdBy: { issuer: host.issuer, subject: host.subject },
    });
    expect(database.consultations.get(consultation.id)).toEqual(consultation);
    expect(database.consultations.clinicians(consultation.id)).toEqual([
      { ...host, role: 'clinician' },
      {
        issuer: 'https://helseid.test',
        subject: 'clinician-2',
        name: 'Sykepleier Lund',
        role: 'observer-clinician',
      },
    ]);
    expect(invites.map(({ role, name }) => ({ role, name }))).toEqual([
      { role: 'patient', name: 'Kari Nordmann' },
      { role: 'interpreter', name: 'Tolk Ali' },
    ]);
    const invitees = database.consultations.invitees(consultation.id);
    expect(invitees.map((invitee) => invitee.id)).toEqual(invites.map((i) => i.inviteeId));
    expect(invitees[0]).toMatchObject({
      consultationId: consultation.id,
      role: 'patient',
      name: 'Kari Nordmann',
      displayName: 'Kari Nordmann',
      nationalId: '21869030039',
    });
    expect(invitees[1]?.nationalId).toBeUndefined();
  });

  it('stores only the hash of an invite secret, never the secret', () => {
    const { consultation, invites } = database.consultations.create(exampleBooking());
    const secret = invites[0]?.secret ?? '';
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    expect(database.consultations.invitees(consultation.id)[0]?.inviteTokenHash).toBe(
      hashInviteSecret(secret),
    );
    const raw = new DatabaseSync(file, { readOnly: true });
    const everything = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .all()
      .flatMap((table) => raw.prepare(`SELECT * FROM "${String(table.name)}"`).all());
    raw.close();
    expect(JSON.stringify(everything)).not.toContain(secret);
  });

  it('finds the invitee by the invite secret, and nothing by a wrong one', () => {
    const { consultation, invites } = database.consultations.create(exampleBooking());
    const [patient, interpreter] = invites;
    const found = database.consultations.findInvite(patient?.secret ?? '');
    expect(found?.consultation).toEqual(consultation);
    expect(found?.invitee).toMatchObject({ id: patient?.inviteeId, role: 'patient' });
    expect(database.consultations.findInvite(interpreter?.secret ?? '')?.invitee.role).toBe(
      'interpreter',
    );
    const secret = patient?.secret ?? '';
    const wrong = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(database.consultations.findInvite(wrong)).toBeUndefined();
    expect(database.consultations.findInvite('')).toBeUndefined();
    expect(database.consultations.findInvite(hashInviteSecret(secret))).toBeUndefined();
  });

  it('keeps the first time an invite was opened', () => {
    const { consultation, invites } = database.consultations.create(exampleBooking());
    const inviteeId = invites[0]?.inviteeId ?? '';
    database.consultations.markInviteOpened(inviteeId, new Date('2031-03-04T08:55:00Z'));
    database.consultations.markInviteOpened(inviteeId, new Date('2031-03-04T08:58:00Z'));
    expect(database.consultations.invitees(consultation.id)[0]?.openedAt).toBe(
      '2031-03-04T08:55:00.000Z',
    );
    expect(() => database.consultations.markInviteOpened('nobody', new Date())).toThrow(
      expect.objectContaining({ code: 'invitee-not-found' }),
    );
  });

  it('lists a clinician’s consultations, latest appointment first, and nobody else’s', () => {
    const early = database.consultations.create(
      exampleBooking({ startsAt: '2031-03-01T09:00:00Z' }),
    ).consultation;
    const late = database.consultations.create(
      exampleBooking({ startsAt: '2031-04-01T09:00:00Z', coClinicians: [] }),
    ).consultation;
    database.consultations.create(
      exampleBooking({
        createdBy: { issuer: host.issuer, subject: 'someone-else', name: 'Dr. Dahl' },
        coClinicians: [],
      }),
    );
    const ids = (subject: string) =>
      database.consultations.listForClinician(host.issuer, subject).map(({ id }) => id);
    expect(ids(host.subject)).toEqual([late.id, early.id]);
    expect(ids('clinician-2')).toEqual([early.id]);
    expect(ids('a-patient')).toEqual([]);
    expect(database.consultations.isClinicianOf(early.id, host.issuer, 'clinician-2')).toBe(true);
    expect(database.consultations.isClinicianOf(late.id, host.issuer, 'clinician-2')).toBe(false);
    expect(database.consultations.isClinicianOf(late.id, 'https://other.test', host.subject)).toBe(
      false,
    );
  });

  it('moves the status forward only, and records when a consultation ended', () => {
    const { id } = database.consultations.create(exampleBooking()).consultation;
    expect(database.consultations.setStatus(id, 'live', new Date()).status).toBe('live');
    const ended = database.consultations.setStatus(id, 'ended', new Date('2031-03-04T10:30:00Z'));
    expect(ended).toMatchObject({ status: 'ended', endedAt: '2031-03-04T10:30:00.000Z' });
    expect(database.consultations.setStatus(id, 'ended', new Date()).endedAt).toBe(ended.endedAt);
    expect(() => database.consultations.setStatus(id, 'live', new Date())).toThrow(
      expect.objectContaining({ code: 'invalid-status-change' }),
    );
    expect(() => database.consultations.update(id, { title: 'Ny tittel' })).toThrow(
      expect.objectContaining({ code: 'consultation-ended' }),
    );
    expect(() => database.consultations.setStatus('missing', 'live', new Date())).toThrow(
      expect.objectContaining({ code: 'consultation-not-found' }),
    );
  });

  it('re-books the title and time of a consultation that has not ended', () => {
    const { id } = database.consultations.create(exampleBooking()).consultation;
    const updated = database.consultations.update(id, {
      startsAt: '2031-03-05T12:00:00+01:00',
    });
    expect(updated).toMatchObject({
      title: 'Kontroll etter operasjon',
      startsAt: '2031-03-05T11:00:00.000Z',
    });
    expect(database.consultations.update(id, { title: 'Oppfølging' }).title).toBe('Oppfølging');
    expect(() => database.consultations.update(id, { startsAt: 'tomorrow' })).toThrow(
      expect.objectContaining({ code: 'invalid-booking' }),
    );
  });

  it.each([
    ['a start time without a zone', { startsAt: '2031-03-04T10:00:00' }, /startsAt/],
    [
      'the host listed again as co-clinician',
      { coClinicians: [{ ...host, role: 'observer-clinician' as const }] },
      /coClinicians\[0\] is listed twice/,
    ],
    [
      'a co-clinician without a subject',
      {
        coClinicians: [
          { issuer: host.issuer, subject: '', name: 'Dr. Dahl', role: 'clinician' as const },
        ],
      },
      /coClinicians\[0\]\.subject is missing/,
    ],
    [
      'a malformed identity number',
      { invitees: [{ role: 'patient' as const, name: 'Kari', nationalId: '21869030038' }] },
      /nationalId is malformed/,
    ],
    [
      'an empty invitee name',
      { invitees: [{ role: 'relative' as const, name: '  ' }] },
      /invitees\[0\]\.name must be 1 to 200 characters/,
    ],
  ])('refuses a booking with %s, storing nothing', (_name, overrides, message) => {
    expect(() => database.consultations.create(exampleBooking(overrides))).toThrow(message);
    expect(database.consultations.listForClinician(host.issuer, host.subject)).toEqual([]);
  });

  it('keeps group-mode display names apart from names, defaulting to the name', () => {
    const { consultation } = database.consultations.create(
      exampleBooking({
        mode: 'group',
        interpreter: false,
        invitees: [
          { role: 'patient', name: 'Kari Nordmann', displayName: 'Deltaker 1' },
          { role: 'patient', name: 'Ola Nordmann', displayName: 'Deltaker 2' },
          { role: 'relative', name: 'Per Nordmann', nationalId: '45898515005' },
        ],
      }),
    );
    expect(
      database.consultations.invitees(consultation.id).map(({ name, displayName }) => ({
        name,
        displayName,
      })),
    ).toEqual([
      { name: 'Kari Nordmann', displayName: 'Deltaker 1' },
      { name: 'Ola Nordmann', displayName: 'Deltaker 2' },
      { name: 'Per Nordmann', displayName: 'Per Nordmann' },
    ]);
    expect(database.consultations.invitees(consultation.id)[2]?.nationalId).toBe('45898515005');
  });
});

describe('ConsultationStore.purgeExpired', () => {
  it('also purges bookings whose time is long past but that were never held, and ends them', () => {
    const database = SkjermDatabase.open(tempDatabaseFile());
    const { consultations } = database;
    const abandoned = consultations.create(exampleBooking({ startsAt: '2031-01-10T09:00:00Z' }));
    const upcoming = consultations.create(exampleBooking({ startsAt: '2031-03-20T09:00:00Z' }));
    expect(consultations.purgeExpired(30, new Date('2031-04-01T00:00:00Z'))).toBe(1);
    expect(consultations.get(abandoned.consultation.id)).toMatchObject({
      status: 'ended',
      title: '',
    });
    expect(consultations.findInvite(abandoned.invites[0]?.secret ?? '')).toBeUndefined();
    expect(consultations.get(upcoming.consultation.id)).toMatchObject({ status: 'booked' });
    database.close();
  });

  it('removes the personal data of long-ended consultations but keeps their ids and audit', () => {
    const database = SkjermDatabase.open(tempDatabaseFile());
    const { consultations, audit } = database;
    const old = consultations.create(exampleBooking());
    const recent = consultations.create(exampleBooking());
    const ongoing = consultations.create(exampleBooking());
    consultations.setStatus(old.consultation.id, 'ended', new Date('2031-01-01T12:00:00Z'));
    consultations.setStatus(recent.consultation.id, 'ended', new Date('2031-03-20T12:00:00Z'));
    audit.record({ type: 'consultation-ended', consultationId: old.consultation.id });

    const now = new Date('2031-04-01T00:00:00Z');
    expect(consultations.purgeExpired(30, now)).toBe(1);
    expect(consultations.purgeExpired(30, now)).toBe(0);

    const id = old.consultation.id;
    expect(consultations.get(id)).toMatchObject({
      id,
      title: '',
      status: 'ended',
      purgedAt: '2031-04-01T00:00:00.000Z',
    });
    expect(consultations.clinicians(id).map(({ name }) => name)).toEqual(['', '']);
    for (const invitee of consultations.invitees(id)) {
      expect(invitee).toMatchObject({ name: '', displayName: '' });
      expect(invitee.nationalId).toBeUndefined();
      expect(invitee.inviteTokenHash).toBeUndefined();
    }
    expect(consultations.invitees(id).map((invitee) => invitee.id)).toEqual(
      old.invites.map((invite) => invite.inviteeId),
    );
    expect(consultations.findInvite(old.invites[0]?.secret ?? '')).toBeUndefined();
    expect(audit.export(id)).toHaveLength(1);
    expect(audit.verify()).toEqual({ ok: true, records: 1 });

    for (const kept of [recent, ongoing]) {
      expect(consultations.get(kept.consultation.id)?.title).toBe('Kontroll etter operasjon');
      expect(consultations.invitees(kept.consultation.id)[0]?.nationalId).toBe('21869030039');
      expect(consultations.findInvite(kept.invites[0]?.secret ?? '')).toBeDefined();
    }
    database.close();
  });

  it('leaves no trace of the purged values in the database files', () => {
    const file = tempDatabaseFile();
    const database = SkjermDatabase.open(file);
    const { consultation } = database.consultations.create(exampleBooking());
    database.consultations.setStatus(consultation.id, 'ended', new Date('2031-01-01T12:00:00Z'));
    expect(database.consultations.purgeExpired(30, new Date('2031-04-01T00:00:00Z'))).toBe(1);
    const bytes = [file, `${file}-wal`]
      .filter((path) => existsSync(path))
      .map((path) => readFileSync(path).toString('latin1'))
      .join('');
    for (const value of ['21869030039', 'Kari Nordmann', 'Tolk Ali', 'Kontroll etter']) {
      expect(bytes).not.toContain(value);
    }
    expect(bytes).toContain(consultation.id);
    database.close();
  });
});
