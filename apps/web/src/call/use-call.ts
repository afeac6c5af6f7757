import { useEffect, useMemo, useState } from 'preact/hooks';
import { callEndpoints } from '../screens/call-endpoints.ts';
import { CallController, type CallSnapshot } from './call-controller.ts';

/** Re-renders on every change of the call's snapshot. */
export function useCall(controller: CallController): CallSnapshot {
  const [snapshot, setSnapshot] = useState(controller.snapshot);
  useEffect(() => {
    setSnapshot(controller.snapshot);
    return controller.subscribe(setSnapshot);
  }, [controller]);
  return snapshot;
}

/**
 * A screen's own call: one controller per token, released (devices, connection) when the
 * screen goes; and whether it is under way (on the way in, waiting or in the call), which the
 * app needs to keep sign-out and the home link from dropping it.
 */
export function useCallController(
  token: string,
  onActiveChange: (active: boolean) => void,
): { controller: CallController; call: CallSnapshot } {
  const controller = useMemo(() => new CallController({ token, ...callEndpoints() }), [token]);
  useEffect(() => () => controller.dispose(), [controller]);
  const call = useCall(controller);
  const active = call.phase !== 'ended' && call.phase !== 'ready' && call.phase !== 'connecting';
  useEffect(() => {
    onActiveChange(active);
    return () => onActiveChange(false);
  }, [active, onActiveChange]);
  return { controller, call };
}
