import type { ConsultationSummary } from '@skjerm/protocol';
import { useEffect, useState } from 'preact/hooks';
import { deviceProblemOf } from '../call/local-devices.ts';
import { useCallController } from '../call/use-call.ts';
import { CallView } from '../components/call-view.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { EndedScreen } from './ended-screen.tsx';

interface HostCallScreenProps {
  readonly token: string;
  readonly consultation: ConsultationSummary;
  readonly onDone: () => void;
  /** In the waiting room or the call (or on the way in), or not. */
  readonly onActiveChange: (active: boolean) => void;
}

/** A clinician opens their consultation: camera and microphone, then straight into the call. */
export function HostCallScreen(props: HostCallScreenProps) {
  const { token, consultation, onDone, onActiveChange } = props;
  const { t } = useI18n();
  const { controller, call } = useCallController(token, onActiveChange);
  const [deviceProblem, setDeviceProblem] = useState<'denied' | 'missing' | 'busy'>();

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      await controller.connect();
      if (cancelled || controller.snapshot.phase !== 'ready') return;
      try {
        await controller.openDevices(consultation.mode);
      } catch (error) {
        // A clinician without a camera can still admit, talk by text elsewhere, or end.
        setDeviceProblem(deviceProblemOf(error));
      }
      if (!cancelled) await controller.join({ consultationId: consultation.id });
    })();
    return () => {
      cancelled = true;
    };
  }, [controller, consultation.id, consultation.mode]);

  if (call.phase === 'ended' && call.endReason) {
    return <EndedScreen reason={call.endReason} error={call.error} onDone={onDone} />;
  }
  if (call.phase !== 'joined' && call.phase !== 'reconnecting') {
    return (
      <div class="card narrow" aria-busy="true">
        <p role="status">{t.call.joining}</p>
      </div>
    );
  }
  return (
    <>
      {deviceProblem && (
        <p class="banner error" role="alert">
          {t.devices[deviceProblem]}
        </p>
      )}
      <CallView controller={controller} call={call} title={consultation.title} />
    </>
  );
}
