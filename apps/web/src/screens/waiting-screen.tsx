import type { CallSnapshot } from '../call/call-controller.ts';
import { MediaElement } from '../components/media-element.tsx';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';

interface WaitingScreenProps {
  readonly call: CallSnapshot;
  readonly onLeave: () => void;
}

/** One's own waiting room: a preview of one's camera, and who will let one in. */
export function WaitingScreen({ call, onLeave }: WaitingScreenProps) {
  const { t } = useI18n();
  const clinicians = call.waitingFor?.clinicians ?? call.invite?.clinicians ?? [];
  return (
    <div class="card waiting" data-screen="waiting">
      <ScreenHeading>{t.waiting.title}</ScreenHeading>
      {call.phase === 'reconnecting' && (
        <p class="banner warning" role="alert">
          {t.call.reconnecting}
        </p>
      )}
      <p class="lead" role="status">
        {clinicians.length > 0 ? t.waiting.body(clinicians.join(', ')) : t.waiting.bodyNoClinician}
      </p>
      <div class="pulse" aria-hidden="true" />
      {call.localStream && (
        <div class="preview">
          <MediaElement
            kind="video"
            track={undefined}
            stream={call.localStream}
            mirrored
            label={t.devices.preview}
          />
        </div>
      )}
      <p class="muted">{t.waiting.alone}</p>
      <button type="button" class="button" onClick={onLeave}>
        {t.waiting.leave}
      </button>
    </div>
  );
}
