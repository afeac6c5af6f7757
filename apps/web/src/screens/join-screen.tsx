import { isSkjermClientError } from '@skjerm/client';
import { useEffect, useState } from 'preact/hooks';
import { deviceProblemOf } from '../call/local-devices.ts';
import { useCallController } from '../call/use-call.ts';
import { CallView } from '../components/call-view.tsx';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';
import { EndedScreen } from './ended-screen.tsx';
import { InfoScreen } from './info-screen.tsx';
import { WaitingScreen } from './waiting-screen.tsx';

interface JoinScreenProps {
  readonly token: string;
  readonly invite: string;
  readonly onDone: () => void;
  /** In the waiting room or the call (or on the way in), or not. */
  readonly onActiveChange: (active: boolean) => void;
}

type InviteProblem = 'not-you' | 'invalid' | 'ended' | undefined;

/**
 * An invitee's way in: the invitation's information screen (nothing starts before they
 * confirm), camera and microphone, their own waiting room, the call, the end.
 */
export function JoinScreen({ token, invite, onDone, onActiveChange }: JoinScreenProps) {
  const { t } = useI18n();
  const { controller, call } = useCallController(token, onActiveChange);
  const [problem, setProblem] = useState<InviteProblem>();
  const [deviceProblem, setDeviceProblem] = useState<'denied' | 'missing' | 'busy'>();
  const [starting, setStarting] = useState(false);

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      await controller.connect();
      if (cancelled || controller.snapshot.phase !== 'ready') return;
      try {
        await controller.inspectInvite(invite);
      } catch (error) {
        const code = isSkjermClientError(error) ? error.serverError?.code : undefined;
        setProblem(
          code === 'forbidden' ? 'not-you' : code === 'consultation-ended' ? 'ended' : 'invalid',
        );
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [controller, invite]);

  async function start() {
    const info = call.invite;
    if (!info) return;
    setStarting(true);
    setDeviceProblem(undefined);
    try {
      await controller.openDevices(info.mode);
    } catch (error) {
      setStarting(false);
      setDeviceProblem(deviceProblemOf(error));
      return;
    }
    await controller.join({ invite, confirmGroup: info.mode === 'group' });
  }

  /** Without devices (none, refused, busy): seeing and hearing the others still helps. */
  async function startWithout() {
    const info = call.invite;
    if (!info) return;
    setStarting(true);
    await controller.join({ invite, confirmGroup: info.mode === 'group' });
  }

  if (call.phase === 'ended' && call.endReason) {
    return <EndedScreen reason={call.endReason} error={call.error} onDone={onDone} />;
  }
  if (problem) {
    const text = { 'not-you': t.info.notYou, invalid: t.info.invalid, ended: t.ended.ended }[
      problem
    ];
    return (
      <div class="card narrow">
        <ScreenHeading>{t.info.title}</ScreenHeading>
        <p class="notice error" role="alert">
          {text}
        </p>
      </div>
    );
  }
  if (call.phase === 'joined' || (call.phase === 'reconnecting' && call.participantId)) {
    return <CallView controller={controller} call={call} title={call.invite?.title ?? ''} />;
  }
  if (call.phase === 'waiting' || call.phase === 'reconnecting') {
    return <WaitingScreen call={call} onLeave={() => void controller.leave()} />;
  }
  if (!call.invite) {
    return (
      <div class="card narrow" aria-busy="true">
        <p role="status">{call.phase === 'joining' ? t.call.joining : t.loading}</p>
      </div>
    );
  }
  return (
    <InfoScreen
      invite={call.invite}
      busy={starting || call.phase === 'joining'}
      problem={deviceProblem && t.devices[deviceProblem]}
      onContinue={() => void start()}
      onContinueWithout={() => void startWithout()}
    />
  );
}
