import { useState } from 'preact/hooks';
import { LockIcon } from '../components/icons.tsx';
import { ScreenHeading } from '../components/screen-heading.tsx';
import { useI18n } from '../i18n/i18n.ts';

interface SignInScreenProps {
  /** The person came through an invitation link. */
  readonly invited: boolean;
  readonly problem?: string | undefined;
  readonly onSignIn: () => Promise<void>;
}

export function SignInScreen({ invited, problem, onSignIn }: SignInScreenProps) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(problem);
  return (
    <div class="card narrow">
      <ScreenHeading>{t.signIn.title}</ScreenHeading>
      <p class="lead">{invited ? t.signIn.invited : t.signIn.intro}</p>
      {error && (
        <p class="notice error" role="alert">
          {error}
        </p>
      )}
      <button
        type="button"
        class="button primary large"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(undefined);
          try {
            await onSignIn();
          } catch (failure) {
            setBusy(false);
            setError(t.signIn.failed(failure instanceof Error ? failure.message : String(failure)));
          }
        }}
      >
        <LockIcon />
        <span>{busy ? t.signIn.redirecting : t.signIn.button}</span>
      </button>
      <p class="muted small-print">{t.info.encrypted}</p>
    </div>
  );
}
