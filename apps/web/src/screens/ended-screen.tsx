import type { CallError, EndReason } from '../call/call-controller.ts';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { describeError, useI18n } from '../i18n/i18n.ts';

interface EndedScreenProps {
  readonly reason: EndReason;
  readonly error?: CallError | undefined;
  readonly onDone: () => void;
}

export function EndedScreen({ reason, error, onDone }: EndedScreenProps) {
  const { t } = useI18n();
  if (reason === 'unsupported-browser') {
    return (
      <div class="card narrow" data-screen="unsupported">
        <ScreenHeading>{t.unsupported.title}</ScreenHeading>
        <p class="notice error" role="alert">
          {t.unsupported.body}
        </p>
      </div>
    );
  }
  const why = {
    left: t.ended.left,
    ended: t.ended.ended,
    removed: t.ended.removed,
    denied: t.ended.denied,
    'connection-closed': t.ended.connection,
    failed: error ? describeError(t, error) : t.ended.connection,
  }[reason];
  return (
    <div class="card narrow" data-screen="ended">
      <ScreenHeading>{t.ended.title}</ScreenHeading>
      <p class="lead" role="status">
        {why}
      </p>
      <ul class="checklist">
        <li>{t.ended.released}</li>
        <li>{t.ended.nothingRecorded}</li>
      </ul>
      <button type="button" class="button" onClick={onDone}>
        {t.backToStart}
      </button>
    </div>
  );
}
