import type { BookingRequest, BookingResponse } from '@skjerm/protocol';
import { useState } from 'preact/hooks';
import { type ApiClient, ApiError } from '../api/api-client.ts';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';

interface BookingFormProps {
  readonly api: ApiClient;
  readonly onBooked: (booking: BookingResponse) => void;
  readonly onCancel: () => void;
  readonly onSignInExpired: () => void;
}

interface PatientFields {
  name: string;
  nationalId: string;
  displayName: string;
}

interface CoClinicianFields {
  subject: string;
  name: string;
  role: 'clinician' | 'observer-clinician';
}

const MAX_GROUP_PATIENTS = 12;
const MAX_CO_CLINICIANS = 6;

/** Now, rounded up to the next quarter hour, as a datetime-local value in local time. */
function nextQuarterHour(now = new Date()): string {
  const next = new Date(now);
  next.setSeconds(0, 0);
  next.setMinutes(Math.ceil((next.getMinutes() + 1) / 15) * 15);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}T${pad(next.getHours())}:${pad(next.getMinutes())}`;
}

const emptyPatient = (): PatientFields => ({ name: '', nationalId: '', displayName: '' });

/** Booking: who is invited (each patient bound to their identity number), when, and how. */
export function BookingForm({ api, onBooked, onCancel, onSignInExpired }: BookingFormProps) {
  const { t } = useI18n();
  const [title, setTitle] = useState(t.booking.consultationTitleDefault);
  const [startsAt, setStartsAt] = useState(nextQuarterHour);
  const [mode, setMode] = useState<'consultation' | 'group'>('consultation');
  const [patients, setPatients] = useState<PatientFields[]>([emptyPatient()]);
  const [interpreter, setInterpreter] = useState(false);
  const [coClinicians, setCoClinicians] = useState<CoClinicianFields[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const shownPatients = mode === 'group' ? patients : patients.slice(0, 1);

  function updatePatient(index: number, change: Partial<PatientFields>) {
    setPatients((list) => list.map((p, i) => (i === index ? { ...p, ...change } : p)));
  }

  function updateCoClinician(index: number, change: Partial<CoClinicianFields>) {
    setCoClinicians((list) => list.map((c, i) => (i === index ? { ...c, ...change } : c)));
  }

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const starts = new Date(startsAt);
    if (Number.isNaN(starts.getTime())) {
      setBusy(false);
      setError(t.booking.badTime);
      return;
    }
    const request: BookingRequest = {
      title: title.trim(),
      startsAt: starts.toISOString(),
      mode,
      interpreter,
      patients: shownPatients.map((p) => ({
        name: p.name.trim(),
        nationalId: p.nationalId.replace(/\s+/g, ''),
        ...(mode === 'group' && p.displayName.trim() ? { displayName: p.displayName.trim() } : {}),
      })),
      ...(coClinicians.length > 0
        ? {
            coClinicians: coClinicians.map((c) => ({
              subject: c.subject.trim(),
              name: c.name.trim(),
              role: c.role,
            })),
          }
        : {}),
    };
    try {
      onBooked(await api.book(request));
    } catch (failure) {
      setBusy(false);
      if (failure instanceof ApiError && failure.signInExpired) onSignInExpired();
      else setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <form class="card" data-screen="booking" onSubmit={(event) => void submit(event)}>
      <ScreenHeading>{t.booking.title}</ScreenHeading>
      <div class="field">
        <label for="booking-title">{t.booking.consultationTitle}</label>
        <input
          id="booking-title"
          required
          maxLength={200}
          value={title}
          onInput={(e) => setTitle(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for="booking-time">{t.booking.startsAt}</label>
        <input
          id="booking-time"
          type="datetime-local"
          required
          value={startsAt}
          onInput={(e) => setStartsAt(e.currentTarget.value)}
        />
      </div>
      <fieldset class="field">
        <legend>{t.booking.mode}</legend>
        <label class="radio">
          <input
            type="radio"
            name="mode"
            value="consultation"
            checked={mode === 'consultation'}
            onChange={() => setMode('consultation')}
          />
          <span>{t.booking.modeConsultation}</span>
        </label>
        <label class="radio">
          <input
            type="radio"
            name="mode"
            value="group"
            checked={mode === 'group'}
            onChange={() => setMode('group')}
          />
          <span>{t.booking.modeGroup}</span>
        </label>
      </fieldset>

      <fieldset class="field">
        <legend>{t.booking.patients}</legend>
        {shownPatients.map((patient, index) => (
          <fieldset key={index} class="person">
            <legend>{t.booking.patient(index + 1)}</legend>
            <div class="field">
              <label for={`patient-name-${index}`}>{t.booking.patientName}</label>
              <input
                id={`patient-name-${index}`}
                required
                maxLength={100}
                autoComplete="off"
                value={patient.name}
                onInput={(e) => updatePatient(index, { name: e.currentTarget.value })}
              />
            </div>
            <div class="field">
              <label for={`patient-id-${index}`}>{t.booking.nationalId}</label>
              <input
                id={`patient-id-${index}`}
                required
                inputMode="numeric"
                autoComplete="off"
                pattern="\s*([0-9]\s*){11,12}"
                aria-describedby={`patient-id-hint-${index}`}
                value={patient.nationalId}
                onInput={(e) => updatePatient(index, { nationalId: e.currentTarget.value })}
              />
              <p id={`patient-id-hint-${index}`} class="hint">
                {t.booking.nationalIdHint}
              </p>
            </div>
            {mode === 'group' && (
              <div class="field">
                <label for={`patient-display-${index}`}>{t.booking.displayName}</label>
                <input
                  id={`patient-display-${index}`}
                  maxLength={100}
                  autoComplete="off"
                  aria-describedby={`patient-display-hint-${index}`}
                  value={patient.displayName}
                  onInput={(e) => updatePatient(index, { displayName: e.currentTarget.value })}
                />
                <p id={`patient-display-hint-${index}`} class="hint">
                  {t.booking.displayNameHint}
                </p>
              </div>
            )}
            {mode === 'group' && shownPatients.length > 1 && (
              <button
                type="button"
                class="button small"
                onClick={() => setPatients((list) => list.filter((_, i) => i !== index))}
              >
                {t.booking.removePatient}
              </button>
            )}
          </fieldset>
        ))}
        {mode === 'group' && patients.length < MAX_GROUP_PATIENTS && (
          <button
            type="button"
            class="button"
            onClick={() => setPatients((list) => [...list, emptyPatient()])}
          >
            {t.booking.addPatient}
          </button>
        )}
      </fieldset>

      <label class="checkbox field">
        <input
          type="checkbox"
          checked={interpreter}
          onChange={(e) => setInterpreter(e.currentTarget.checked)}
        />
        <span>{t.booking.interpreter}</span>
      </label>

      <fieldset class="field">
        <legend>{t.booking.coClinicians}</legend>
        {coClinicians.map((co, index) => (
          <fieldset key={index} class="person">
            <div class="field">
              <label for={`co-subject-${index}`}>{t.booking.coClinicianSubject}</label>
              <input
                id={`co-subject-${index}`}
                required
                maxLength={200}
                autoComplete="off"
                value={co.subject}
                onInput={(e) => updateCoClinician(index, { subject: e.currentTarget.value })}
              />
            </div>
            <div class="field">
              <label for={`co-name-${index}`}>{t.booking.coClinicianName}</label>
              <input
                id={`co-name-${index}`}
                required
                maxLength={100}
                value={co.name}
                onInput={(e) => updateCoClinician(index, { name: e.currentTarget.value })}
              />
            </div>
            <div class="field">
              <label for={`co-role-${index}`}>{t.booking.coClinicianRole}</label>
              <select
                id={`co-role-${index}`}
                value={co.role}
                onChange={(e) =>
                  updateCoClinician(index, {
                    role: e.currentTarget.value as CoClinicianFields['role'],
                  })
                }
              >
                <option value="clinician">{t.booking.roleClinician}</option>
                <option value="observer-clinician">{t.booking.roleObserver}</option>
              </select>
            </div>
            <button
              type="button"
              class="button small"
              onClick={() => setCoClinicians((list) => list.filter((_, i) => i !== index))}
            >
              {t.booking.removeCoClinician}
            </button>
          </fieldset>
        ))}
        {coClinicians.length < MAX_CO_CLINICIANS && (
          <button
            type="button"
            class="button"
            onClick={() =>
              setCoClinicians((list) => [...list, { subject: '', name: '', role: 'clinician' }])
            }
          >
            {t.booking.addCoClinician}
          </button>
        )}
      </fieldset>

      {error && (
        <p class="notice error" role="alert">
          {t.booking.failed(error)}
        </p>
      )}
      <div class="actions">
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? t.booking.submitting : t.booking.submit}
        </button>
        <button type="button" class="button" onClick={onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  );
}
