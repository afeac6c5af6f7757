import type { BookingResponse } from '@skjerm/protocol';
import { useState } from 'preact/hooks';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';

interface InviteLinksProps {
  readonly booking: BookingResponse;
  readonly onDone: () => void;
  readonly onStart: () => void;
}

/** The invitation links, shown once: the server keeps only a hash of each secret. */
export function InviteLinks({ booking, onDone, onStart }: InviteLinksProps) {
  const { t, formatDateTime } = useI18n();
  const [copied, setCopied] = useState<Record<string, 'copied' | 'failed'>>({});

  async function copy(inviteeId: string, url: string) {
    try {
      await navigator.clipboard.writeText(url);
      setCopied((state) => ({ ...state, [inviteeId]: 'copied' }));
    } catch {
      setCopied((state) => ({ ...state, [inviteeId]: 'failed' }));
    }
  }

  const { consultation } = booking;
  return (
    <div class="card" data-screen="invites">
      <ScreenHeading>{t.booking.booked}</ScreenHeading>
      <p class="lead">
        <strong>{consultation.title}</strong> · {formatDateTime(consultation.startsAt)}
      </p>
      <p>{t.booking.invitesIntro}</p>
      <ul class="invites">
        {booking.invites.map((invite) => {
          const id = `invite-${invite.inviteeId}`;
          return (
            <li key={invite.inviteeId} class="invite" data-invite-role={invite.role}>
              <label for={id}>
                <strong>{invite.name}</strong> · {t.roles[invite.role] ?? invite.role}
              </label>
              <div class="invite-row">
                <input
                  id={id}
                  class="invite-url"
                  type="text"
                  readOnly
                  value={invite.url}
                  onFocus={(event) => event.currentTarget.select()}
                />
                <button
                  type="button"
                  class="button"
                  onClick={() => void copy(invite.inviteeId, invite.url)}
                  aria-describedby={id}
                >
                  {copied[invite.inviteeId] === 'copied' ? t.booking.copied : t.booking.copy}
                </button>
              </div>
              {copied[invite.inviteeId] === 'failed' && (
                <p class="notice error" role="alert">
                  {t.booking.copyFailed}
                </p>
              )}
            </li>
          );
        })}
      </ul>
      <div class="actions">
        <button type="button" class="button primary" onClick={onStart}>
          {t.booking.startNow}
        </button>
        <button type="button" class="button" onClick={onDone}>
          {t.booking.done}
        </button>
      </div>
    </div>
  );
}
