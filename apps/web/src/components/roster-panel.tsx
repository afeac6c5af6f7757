import type { RosterMember } from '@skjerm/protocol';
import { useI18n } from '../i18n/i18n.ts';
import { CameraIcon, CameraOffIcon, CheckIcon, MicIcon, MicOffIcon } from './icons.tsx';

interface RosterPanelProps {
  readonly roster: readonly RosterMember[];
  readonly me: string | undefined;
  readonly isHost: boolean;
  readonly onMute: (participantId: string) => void;
  readonly onRemove: (participantId: string) => void;
}

/**
 * Everyone in the call, always on screen: people without video (audio only, the interpreter on
 * the phone) are as visible as those with it. Hosts can silence or remove anyone else.
 */
export function RosterPanel({ roster, me, isHost, onMute, onRemove }: RosterPanelProps) {
  const { t } = useI18n();
  return (
    <section class="panel roster" aria-labelledby="roster-heading">
      <h2 id="roster-heading">
        {t.call.roster} <span class="count">({roster.length})</span>
      </h2>
      <ul class="roster-list">
        {roster.map((member) => {
          const self = member.participantId === me;
          return (
            <li key={member.participantId} class="roster-item" data-roster={member.participantId}>
              <div class="roster-who">
                <span class="roster-name">
                  {member.name}
                  {self && <span class="roster-you"> ({t.call.you})</span>}
                </span>
                <span class="roster-role">{t.roles[member.role] ?? member.role}</span>
              </div>
              <div class="roster-state">
                <span title={member.audio ? t.call.micOn : t.call.micOff}>
                  {member.audio ? <MicIcon size={16} /> : <MicOffIcon size={16} />}
                  <span class="visually-hidden">{member.audio ? t.call.micOn : t.call.micOff}</span>
                </span>
                <span title={member.video ? t.call.camera : t.call.cameraIsOff}>
                  {member.video ? <CameraIcon size={16} /> : <CameraOffIcon size={16} />}
                  <span class="visually-hidden">
                    {member.video ? t.call.camera : t.call.cameraIsOff}
                  </span>
                </span>
                {member.keyVerified && (
                  <span class="verified" title={t.call.verified}>
                    <CheckIcon size={16} />
                    <span class="visually-hidden">{t.call.verified}</span>
                  </span>
                )}
              </div>
              {isHost && !self && (
                <div class="roster-actions">
                  <button
                    type="button"
                    class="button small"
                    disabled={!member.audio}
                    onClick={() => onMute(member.participantId)}
                    aria-label={t.call.muteParticipant(member.name)}
                  >
                    <MicOffIcon size={16} />
                  </button>
                  <button
                    type="button"
                    class="button small danger"
                    onClick={() => {
                      if (confirm(t.call.removeConfirm(member.name)))
                        onRemove(member.participantId);
                    }}
                    aria-label={t.call.removeParticipant(member.name)}
                  >
                    {t.call.remove}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
