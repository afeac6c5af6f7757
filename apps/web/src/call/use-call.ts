import { useEffect, useState } from 'preact/hooks';
import type { CallController, CallSnapshot } from './call-controller.ts';

/** Re-renders on every change of the call's snapshot. */
export function useCall(controller: CallController): CallSnapshot {
  const [snapshot, setSnapshot] = useState(controller.snapshot);
  useEffect(() => {
    setSnapshot(controller.snapshot);
    return controller.subscribe(setSnapshot);
  }, [controller]);
  return snapshot;
}
