import type { CallNotice } from '../call/call-controller.ts';
import { useI18n } from '../i18n/i18n.ts';

/** Arrivals, departures and the like, read out by screen readers and shown in small print. */
export function LiveNotice({ notice }: { readonly notice: CallNotice | undefined }) {
  const { t } = useI18n();
  let text = '';
  if (notice) {
    text = {
      joined: t.call.joinedNotice(notice.name),
      left: t.call.leftNotice(notice.name),
      arrived: t.call.arrived(notice.name),
      reconnected: t.call.reconnected,
    }[notice.kind];
  }
  return (
    <p class="live-notice" aria-live="polite" aria-atomic="true">
      {text}
    </p>
  );
}
