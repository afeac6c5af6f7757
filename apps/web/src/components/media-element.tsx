import { useEffect, useRef } from 'preact/hooks';

interface MediaElementProps {
  readonly track: MediaStreamTrack | undefined;
  readonly stream?: MediaStream | undefined;
  readonly kind: 'audio' | 'video';
  /** Our own preview is mirrored, as people expect of a mirror. */
  readonly mirrored?: boolean | undefined;
  /** Tests and styling: whose media this is. */
  readonly participantId?: string | undefined;
  readonly label?: string | undefined;
}

/**
 * A <video> or <audio> bound to a track (srcObject cannot be set as an attribute). Remote
 * video is muted: sound plays through its own <audio>, so a hidden tile never silences anyone.
 */
export function MediaElement({
  track,
  stream,
  kind,
  mirrored,
  participantId,
  label,
}: MediaElementProps) {
  const ref = useRef<HTMLVideoElement & HTMLAudioElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const source = stream ?? (track ? new MediaStream([track]) : null);
    element.srcObject = source;
    if (source) void element.play().catch(() => undefined);
    return () => {
      element.srcObject = null;
    };
  }, [track, stream]);
  if (kind === 'audio') {
    // biome-ignore lint/a11y/useMediaCaption: a live, end-to-end encrypted call has no caption track.
    return <audio ref={ref} autoplay data-participant={participantId} data-kind="audio" />;
  }
  return (
    <video
      ref={ref}
      autoplay
      playsInline
      muted
      class={mirrored ? 'video mirrored' : 'video'}
      data-participant={participantId}
      data-kind="video"
      aria-label={label}
    />
  );
}
