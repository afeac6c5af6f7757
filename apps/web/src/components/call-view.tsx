import { useEffect, useRef } from 'preact/hooks';
import type { CallController, CallSnapshot } from '../call/call-controller.ts';
import { describeError, useI18n } from '../i18n/i18n.ts';
import { CallControls } from './call-controls.tsx';
import { LiveNotice } from './live-notice.tsx';
import { MediaElement } from './media-element.tsx';
import { ParticipantTile } from './participant-tile.tsx';
import { RosterPanel } from './roster-panel.tsx';
import { SafetyCode } from './safety-code-dialog.tsx';
import { WaitingListPanel } from './waiting-list-panel.tsx';

interface CallViewProps {
  readonly controller: CallController;
  readonly call: CallSnapshot;
  readonly title: string;
}

/** In the call: everyone's tiles, the roster beside them, and the controls below. */
export function CallView({ controller, call, title }: CallViewProps) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  // Admitted from the waiting room, the screen changes under the person: say where they are.
  useEffect(() => heading.current?.focus(), []);
  const me = call.participantId;
  const others = call.roster.filter((member) => member.participantId !== me);
  const self = call.roster.find((member) => member.participantId === me);
  const trackOf = (participantId: string, kind: 'audio' | 'video') =>
    call.remoteTracks.find((r) => r.participantId === participantId && r.kind === kind)?.track;

  return (
    <div class={`call${call.phase === 'reconnecting' ? ' reconnecting' : ''}`}>
      <div class="call-bar">
        <h1 class="call-title screen-heading" ref={heading} tabIndex={-1}>
          {title}
        </h1>
        <SafetyCode
          code={call.safetyCode}
          confirmed={call.safetyConfirmed}
          onConfirm={() => void controller.confirmSafetyCode()}
        />
      </div>

      {call.phase === 'reconnecting' && (
        <p class="banner warning" role="alert">
          {t.call.reconnecting}
        </p>
      )}
      {!call.hasMicrophone && (
        <p class="banner muted-banner" role="status">
          {t.devices.none}
        </p>
      )}
      {call.hasMicrophone && !call.micOn && call.phase !== 'reconnecting' && (
        <p class="banner muted-banner" role="status">
          {call.mutedByHost ? t.call.mutedByHost : t.call.youAreMuted}
        </p>
      )}
      {call.error && (
        <p class="banner error" role="alert">
          {describeError(t, call.error)}
        </p>
      )}
      <LiveNotice notice={call.notice} />

      <div class="call-body">
        <section class="stage" aria-label={t.call.participants(call.roster.length)}>
          <div class={`tiles tiles-${Math.min(call.roster.length, 9)}`}>
            {others.map((member) => (
              <ParticipantTile
                key={member.participantId}
                participantId={member.participantId}
                name={member.name}
                role={member.role}
                video={trackOf(member.participantId, 'video')}
                sendingAudio={member.audio}
                sendingVideo={member.video}
              />
            ))}
            {self && (
              <ParticipantTile
                participantId={self.participantId}
                name={self.name}
                role={self.role}
                video={undefined}
                localStream={call.localStream}
                sendingAudio={call.micOn}
                sendingVideo={call.cameraOn}
                self
              />
            )}
          </div>
          <div hidden>
            {call.remoteTracks
              .filter((remote) => remote.kind === 'audio')
              .map((remote) => (
                <MediaElement
                  key={remote.consumerId}
                  kind="audio"
                  track={remote.track}
                  participantId={remote.participantId}
                />
              ))}
          </div>
        </section>

        <aside class="side">
          {call.isHost && (
            <WaitingListPanel
              waiting={call.waitingList}
              onAdmit={(id) => void controller.admit(id)}
              onDeny={(id) => void controller.deny(id)}
            />
          )}
          <RosterPanel
            roster={call.roster}
            me={me}
            isHost={call.isHost}
            onMute={(id) => void controller.muteParticipant(id)}
            onRemove={(id) => void controller.removeParticipant(id)}
          />
        </aside>
      </div>

      <CallControls
        micOn={call.micOn}
        cameraOn={call.cameraOn}
        hasMicrophone={call.hasMicrophone}
        hasCamera={call.hasCamera}
        isHost={call.isHost}
        onMicrophone={(on) => void controller.setMicrophone(on)}
        onCamera={(on) => void controller.setCamera(on)}
        onLeave={() => void controller.leave()}
        onEnd={() => void controller.end()}
      />
    </div>
  );
}
