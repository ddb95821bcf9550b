import { useCallback } from 'react';
import { useSearchParams } from 'react-router-dom';

/**
 * One query parameter of the page as state, so a link or a reload keeps it
 * (time range, environment, selected trace). Changes replace the history
 * entry: the back button leaves the tab instead of stepping through filters.
 */
export function useUrlParam(
  name: string,
): [string | undefined, (value: string | undefined) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? undefined;
  const setValue = useCallback(
    (next: string | undefined) =>
      setParams(
        prev => {
          const copy = new URLSearchParams(prev);
          if (next === undefined || next === '') copy.delete(name);
          else copy.set(name, next);
          return copy;
        },
        { replace: true },
      ),
    [name, setParams],
  );
  return [value, setValue];
}
