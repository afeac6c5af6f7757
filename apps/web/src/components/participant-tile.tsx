import { useI18n } from '../i18n/i18n.ts';
import { CameraOffIcon, MicOffIcon } from './icons.tsx';
import { MediaElement } from './media-element.tsx';

interface ParticipantTileProps {
  readonly participantId: string;
  readonly name: string;
  readonly role: string;
  readonly video: MediaStreamTrack | undefined;
  /** Our own preview, from the local stream. */
  readonly localStream?: MediaStream | undefined;
  readonly sendingAudio: boolean;
  readonly sendingVideo: boolean;
  readonly self?: boolean;
}

function initials(name: string): string {
  const parts = name
    .replace(/^(dr|lege)\.?\s+/i, '')
    .split(/\s+/)
    .filter(Boolean);
  return parts
    .slice(0, 2)
    .map((part) => part[0]?.toUpperCase() ?? '')
    .join('');
}

/** One person in the call: their video, or their initials when there is none, name and role. */
export function ParticipantTile(props: ParticipantTileProps) {
  const { t } = useI18n();
  const { participantId, name, role, video, localStream, sendingAudio, sendingVideo, self } = props;
  const showsVideo = sendingVideo && (self ? localStream !== undefined : video !== undefined);
  const label = self ? `${t.call.you} (${name})` : name;
  return (
    <figure class={`tile${self ? ' tile-self' : ''}`} data-tile={participantId} aria-label={label}>
      {showsVideo ? (
        <MediaElement
          kind="video"
          track={video}
          stream={self ? localStream : undefined}
          mirrored={self}
          participantId={self ? undefined : participantId}
        />
      ) : (
        <div class="tile-placeholder">
          <span class="avatar" aria-hidden="true">
            {initials(name)}
          </span>
          <span class="tile-state">{sendingAudio ? t.call.audioOnly : t.call.cameraIsOff}</span>
        </div>
      )}
      <figcaption class="tile-caption">
        <span class="tile-name">{label}</span>
        <span class="tile-role">{t.roles[role] ?? role}</span>
        {!sendingAudio && (
          <span class="tile-muted" title={t.call.micOff}>
            <MicOffIcon size={16} />
            <span class="visually-hidden">{t.call.micOff}</span>
          </span>
        )}
        {!sendingVideo && (
          <span class="visually-hidden">
            <CameraOffIcon size={16} />
            {t.call.cameraIsOff}
          </span>
        )}
      </figcaption>
    </figure>
  );
}
