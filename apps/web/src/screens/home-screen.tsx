import type { BookingResponse, ConsultationSummary } from '@skjerm/protocol';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { type ApiClient, ApiError } from '../api/api-client.ts';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { BookingForm } from './booking-form.tsx';
import { InviteLinks } from './invite-links.tsx';

interface HomeScreenProps {
  readonly api: ApiClient;
  readonly onOpen: (consultation: ConsultationSummary) => void;
  readonly onSignInExpired: () => void;
}

type View = { name: 'list' } | { name: 'book' } | { name: 'booked'; booking: BookingResponse };

/** A clinician's start page: their consultations, booking a new one, and its invitations. */
export function HomeScreen({ api, onOpen, onSignInExpired }: HomeScreenProps) {
  const { t, formatDateTime } = useI18n();
  const [view, setView] = useState<View>({ name: 'list' });
  const [consultations, setConsultations] = useState<ConsultationSummary[]>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setConsultations(await api.listConsultations());
      setError(undefined);
    } catch (failure) {
      if (failure instanceof ApiError && failure.signInExpired) onSignInExpired();
      else setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, [api, onSignInExpired]);

  useEffect(() => {
    if (view.name === 'list') void load();
  }, [view, load]);

  if (view.name === 'book') {
    return (
      <BookingForm
        api={api}
        onBooked={(booking) => setView({ name: 'booked', booking })}
        onCancel={() => setView({ name: 'list' })}
        onSignInExpired={onSignInExpired}
      />
    );
  }
  if (view.name === 'booked') {
    return (
      <InviteLinks
        booking={view.booking}
        onDone={() => setView({ name: 'list' })}
        onStart={() => onOpen(view.booking.consultation)}
      />
    );
  }

  const upcoming = [...(consultations ?? [])].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return (
    <div class="card wide" data-screen="consultations">
      <div class="card-head">
        <ScreenHeading>{t.home.title}</ScreenHeading>
        <button type="button" class="button primary" onClick={() => setView({ name: 'book' })}>
          {t.home.newConsultation}
        </button>
      </div>
      {error && (
        <p class="notice error" role="alert">
          {t.home.loadFailed(error)}
          <button type="button" class="button small" onClick={() => void load()}>
            {t.retry}
          </button>
        </p>
      )}
      {consultations === undefined && !error && <p role="status">{t.loading}</p>}
      {consultations?.length === 0 && <p class="muted">{t.home.empty}</p>}
      {upcoming.length > 0 && (
        <table class="consultations">
          <thead>
            <tr>
              <th scope="col">{t.home.columns.startsAt}</th>
              <th scope="col">{t.home.columns.title}</th>
              <th scope="col">{t.home.columns.mode}</th>
              <th scope="col">{t.home.columns.status}</th>
              <th scope="col">
                <span class="visually-hidden">{t.home.open}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {upcoming.map((c) => (
              <tr key={c.id} data-consultation={c.id}>
                <td>{formatDateTime(c.startsAt)}</td>
                <td>{c.title}</td>
                <td>
                  {t.home.mode[c.mode]}
                  {c.interpreter && `, ${t.home.withInterpreter}`}
                </td>
                <td>
                  <span class={`status status-${c.status}`}>{t.home.status[c.status]}</span>
                </td>
                <td>
                  {c.status !== 'ended' && (
                    <button
                      type="button"
                      class="button small primary"
                      onClick={() => onOpen(c)}
                      aria-label={`${t.home.open}: ${c.title}, ${formatDateTime(c.startsAt)}`}
                    >
                      {t.home.open}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
