import type { WaitingEntry } from '@skjerm/protocol';
import { useI18n } from '../i18n/i18n.ts';

interface WaitingListPanelProps {
  readonly waiting: readonly WaitingEntry[];
  readonly onAdmit: (waitingId: string) => void;
  readonly onDeny: (waitingId: string) => void;
}

/** Hosts: who waits, each alone in their own room, with the identity their eID proved. */
export function WaitingListPanel({ waiting, onAdmit, onDeny }: WaitingListPanelProps) {
  const { t, formatTime } = useI18n();
  return (
    <section class="panel waiting-list" aria-labelledby="waiting-heading">
      <h2 id="waiting-heading">
        {t.call.waitingList} <span class="count">({waiting.length})</span>
      </h2>
      {waiting.length === 0 ? (
        <p class="muted">{t.call.waitingEmpty}</p>
      ) : (
        <ul class="waiting-entries">
          {waiting.map((entry) => (
            <li key={entry.waitingId} class="waiting-entry" data-waiting={entry.waitingId}>
              <div class="waiting-who">
                <strong>{entry.name}</strong>
                <span class="roster-role">{t.roles[entry.role] ?? entry.role}</span>
                {entry.nationalId && <span>{t.call.identity(entry.nationalId)}</span>}
                {entry.assurance && (
                  <span class="muted">
                    {t.call.assurance(t.call.assuranceLevels[entry.assurance] ?? entry.assurance)}
                  </span>
                )}
                <span class="muted">{t.call.waitingSince(formatTime(entry.since))}</span>
              </div>
              <div class="waiting-actions">
                <button
                  type="button"
                  class="button primary"
                  onClick={() => onAdmit(entry.waitingId)}
                  aria-label={t.call.admitName(entry.name)}
                >
                  {t.call.admit}
                </button>
                <button
                  type="button"
                  class="button"
                  onClick={() => onDeny(entry.waitingId)}
                  aria-label={t.call.denyName(entry.name)}
                >
                  {t.call.deny}
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
