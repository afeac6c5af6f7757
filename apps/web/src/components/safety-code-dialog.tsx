import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n/i18n.ts';
import { CheckIcon, LockIcon } from './icons.tsx';

interface SafetyCodeProps {
  readonly code: string | undefined;
  readonly confirmed: boolean;
  readonly onConfirm: () => void;
}

/**
 * The encryption badge and, behind it, the safety code to compare aloud. A native modal
 * <dialog>: it traps focus, closes on Escape and gives focus back to the badge.
 */
export function SafetyCode({ code, confirmed, onConfirm }: SafetyCodeProps) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => () => dialog.current?.close(), []);
  const groups = code?.split(/\s+/) ?? [];
  return (
    <>
      <button
        type="button"
        class="badge-encrypted"
        onClick={() => dialog.current?.showModal()}
        aria-haspopup="dialog"
        aria-label={`${t.call.encrypted}. ${t.call.encryptionDetails}`}
      >
        <LockIcon size={16} />
        <span>{t.call.encrypted}</span>
        {confirmed && <CheckIcon size={16} />}
      </button>
      <dialog ref={dialog} class="dialog" aria-labelledby="safety-title">
        <h2 id="safety-title">{t.call.safetyTitle}</h2>
        <p>{t.call.safetyIntro}</p>
        {code ? (
          <p class="safety-code" data-safety-code={code}>
            {groups.map((group, index) => (
              <span key={index} class="safety-group">
                {group}
              </span>
            ))}
          </p>
        ) : (
          <p class="muted">{t.call.safetyPending}</p>
        )}
        <p class="muted">{t.call.safetyMismatch}</p>
        {confirmed && (
          <p class="notice success" role="status">
            {t.call.safetyConfirmed}
          </p>
        )}
        <div class="dialog-actions">
          <button
            type="button"
            class="button primary"
            disabled={!code || confirmed}
            onClick={onConfirm}
          >
            {t.call.safetyMatch}
          </button>
          <button type="button" class="button" onClick={() => dialog.current?.close()}>
            {t.close}
          </button>
        </div>
      </dialog>
    </>
  );
}
