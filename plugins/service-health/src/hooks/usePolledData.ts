import { DependencyList, useEffect, useRef, useState } from 'react';

export interface PolledData<T> {
  value?: T;
  error?: Error;
  /** True until the first answer for the current `resetKey`. */
  loading: boolean;
  /** True while any request is in flight (including refreshes). */
  fetching: boolean;
}

/**
 * Loads data again whenever `deps` change, keeping the previous value on
 * screen while a refresh is in flight (no flashing spinners on auto-refresh).
 * A change of `resetKey` (e.g. another environment) drops the previous value.
 */
export function usePolledData<T>(
  load: () => Promise<T>,
  deps: DependencyList,
  resetKey: string,
): PolledData<T> {
  const [state, setState] = useState<PolledData<T>>({
    loading: true,
    fetching: true,
  });
  const lastKey = useRef(resetKey);

  useEffect(() => {
    let cancelled = false;
    const reset = lastKey.current !== resetKey;
    lastKey.current = resetKey;
    setState(prev =>
      reset ? { loading: true, fetching: true } : { ...prev, fetching: true },
    );
    load().then(
      value => {
        if (!cancelled) {
          setState({ value, loading: false, fetching: false });
        }
      },
      error => {
        if (!cancelled) {
          setState({ error, loading: false, fetching: false });
        }
      },
    );
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [resetKey, ...deps]);

  return state;
}
