import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A screen's <h1>, focused when the screen appears: a screen reader then starts reading the
 * new screen instead of staying on a button that no longer exists.
 */
export function ScreenHeading({ children }: { readonly children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} class="screen-heading">
      {children}
    </h1>
  );
}
