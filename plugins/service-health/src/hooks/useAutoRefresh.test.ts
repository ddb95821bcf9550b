import { act, renderHook } from '@testing-library/react';
import { useAutoRefresh } from './useAutoRefresh';

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'hidden', {
    configurable: true,
    get: () => hidden,
  });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('useAutoRefresh', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    // the last test's hook is still mounted and reacts to the event
    act(() => setHidden(false));
  });

  it('ticks at the interval and pauses while the document is hidden', () => {
    const onTick = jest.fn();
    const { result } = renderHook(() => useAutoRefresh(10_000, onTick));
    act(() => jest.advanceTimersByTime(25_000));
    expect(onTick).toHaveBeenCalledTimes(2);
    expect(result.current.paused).toBe(false);

    act(() => setHidden(true));
    expect(result.current.paused).toBe(true);
    act(() => jest.advanceTimersByTime(60_000));
    expect(onTick).toHaveBeenCalledTimes(2);

    // back: catches up at once, then keeps the interval
    act(() => setHidden(false));
    expect(result.current.paused).toBe(false);
    expect(onTick).toHaveBeenCalledTimes(3);
    act(() => jest.advanceTimersByTime(10_000));
    expect(onTick).toHaveBeenCalledTimes(4);
  });

  it('does nothing when off', () => {
    const onTick = jest.fn();
    renderHook(() => useAutoRefresh(0, onTick));
    act(() => jest.advanceTimersByTime(600_000));
    expect(onTick).not.toHaveBeenCalled();
  });
});
