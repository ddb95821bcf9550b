import { useEffect, useRef } from 'react';
import { useDocumentVisible } from './useDocumentVisible';

/**
 * Calls `onTick` every `intervalMs` while the document is visible. Hidden
 * tabs don't poll; when the tab comes back and a tick was missed, it ticks at
 * once. `intervalMs` of 0 turns it off.
 *
 * @returns whether polling is paused because the document is hidden
 */
export function useAutoRefresh(intervalMs: number, onTick: () => void) {
  const visible = useDocumentVisible();
  const tickRef = useRef(onTick);
  tickRef.current = onTick;
  const lastTick = useRef(Date.now());

  useEffect(() => {
    if (!intervalMs || !visible) {
      return undefined;
    }
    if (Date.now() - lastTick.current >= intervalMs) {
      lastTick.current = Date.now();
      tickRef.current();
    }
    const id = setInterval(() => {
      lastTick.current = Date.now();
      tickRef.current();
    }, intervalMs);
    return () => clearInterval(id);
  }, [intervalMs, visible]);

  return { paused: Boolean(intervalMs) && !visible };
}
