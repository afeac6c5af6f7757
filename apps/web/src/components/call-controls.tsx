import { useI18n } from '../i18n/i18n.ts';
import { CameraIcon, CameraOffIcon, LeaveIcon, MicIcon, MicOffIcon } from './icons.tsx';

interface CallControlsProps {
  readonly micOn: boolean;
  readonly cameraOn: boolean;
  readonly hasMicrophone: boolean;
  readonly hasCamera: boolean;
  readonly isHost: boolean;
  readonly onMicrophone: (on: boolean) => void;
  readonly onCamera: (on: boolean) => void;
  readonly onLeave: () => void;
  readonly onEnd: () => void;
}

/** Toggle buttons say what pressing them does (one state, said once: no aria-pressed too). */
export function CallControls(props: CallControlsProps) {
  const { t } = useI18n();
  const { micOn, cameraOn, isHost } = props;
  return (
    <div class="controls" role="toolbar" aria-label={t.call.controls}>
      <button
        type="button"
        class={`control${micOn ? '' : ' off'}`}
        disabled={!props.hasMicrophone}
        onClick={() => props.onMicrophone(!micOn)}
      >
        {micOn ? <MicIcon /> : <MicOffIcon />}
        <span>{micOn ? t.call.muteMic : t.call.unmuteMic}</span>
      </button>
      <button
        type="button"
        class={`control${cameraOn ? '' : ' off'}`}
        disabled={!props.hasCamera}
        onClick={() => props.onCamera(!cameraOn)}
      >
        {cameraOn ? <CameraIcon /> : <CameraOffIcon />}
        <span>{cameraOn ? t.call.cameraOff : t.call.cameraOn}</span>
      </button>
      <button type="button" class="control leave" onClick={props.onLeave}>
        <LeaveIcon />
        <span>{t.call.leave}</span>
      </button>
      {isHost && (
        <button
          type="button"
          class="control end"
          onClick={() => {
            if (confirm(t.call.endConfirm)) props.onEnd();
          }}
        >
          <span>{t.call.end}</span>
        </button>
      )}
    </div>
  );
}
