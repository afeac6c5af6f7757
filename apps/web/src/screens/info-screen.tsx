import { useState } from 'preact/hooks';
import type { InviteInfo } from '../call/call-controller.ts';
import { LockIcon } from '../components/icons.tsx';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';

interface InfoScreenProps {
  readonly invite: InviteInfo;
  readonly busy: boolean;
  readonly problem: string | undefined;
  readonly onContinue: () => void;
  /** Offered once opening camera and microphone failed. */
  readonly onContinueWithout: () => void;
}

/** What the invitee reads, and confirms, before camera, microphone or anything else starts. */
export function InfoScreen(props: InfoScreenProps) {
  const { invite, busy, problem, onContinue, onContinueWithout } = props;
  const { t, formatDateTime } = useI18n();
  const [confirmed, setConfirmed] = useState(false);
  return (
    <div class="card" data-screen="information">
      <ScreenHeading>{t.info.title}</ScreenHeading>
      <p class="lead">
        <strong>{invite.title}</strong>
        <br />
        {invite.clinicians.length > 0 && t.info.consultationWith(invite.clinicians.join(', '))}
        <br />
        {t.info.at(formatDateTime(invite.startsAt))}
      </p>
      {invite.mode === 'group' && <p class="notice">{t.info.groupNotice(invite.otherPatients)}</p>}

      <section aria-labelledby="processed-heading">
        <h2 id="processed-heading">{t.info.processedTitle}</h2>
        <ul class="checklist">
          {t.info.processed.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="encrypted-heading" class="encrypted-note">
        <h2 id="encrypted-heading">
          <LockIcon /> {t.info.encryptedTitle}
        </h2>
        <p>{t.info.encrypted}</p>
      </section>
      <p class="muted">{t.info.deviceNote}</p>

      {problem && (
        <p class="notice error" role="alert">
          {problem}
        </p>
      )}
      <form
        class="confirm"
        onSubmit={(event) => {
          event.preventDefault();
          if (confirmed) onContinue();
        }}
      >
        <label class="checkbox">
          <input
            type="checkbox"
            checked={confirmed}
            onChange={(event) => setConfirmed(event.currentTarget.checked)}
          />
          <span>{t.info.confirm}</span>
        </label>
        <button type="submit" class="button primary large" disabled={!confirmed || busy}>
          {busy ? t.call.joining : problem ? t.retry : t.info.continue}
        </button>
        {problem && (
          <button
            type="button"
            class="button"
            disabled={!confirmed || busy}
            onClick={onContinueWithout}
          >
            {t.devices.continueWithout}
          </button>
        )}
      </form>
    </div>
  );
}
