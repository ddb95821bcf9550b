import {
  formatBytes,
  formatDuration,
  formatObserved,
  formatPercent,
  formatRate,
} from './format';

describe('format', () => {
  it('durations', () => {
    expect(formatDuration(0.42)).toBe('420 µs');
    expect(formatDuration(3.21)).toBe('3.21 ms');
    expect(formatDuration(87.44)).toBe('87.4 ms');
    expect(formatDuration(312)).toBe('312 ms');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(undefined)).toBe('–');
  });
  it('rates, percentages, bytes', () => {
    expect(formatRate(42.71)).toBe('42.7 req/s');
    expect(formatRate(0.05)).toBe('0.05 req/s');
    expect(formatRate(1520)).toBe('1.5k req/s');
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(0.0123)).toBe('1.2 %');
    expect(formatPercent(0.00042)).toBe('0.04 %');
    expect(formatPercent(0.983)).toBe('98 %');
    expect(formatBytes(142 * 1024 * 1024)).toBe('142 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
  it('observed values of checks', () => {
    expect(formatObserved(3.2, 'ms')).toBe('3.2 ms');
    expect(formatObserved('open')).toBe('open');
    expect(formatObserved(undefined)).toBe('–');
  });
});
