/** Human-readable figures with units. Every number on screen goes through here. */

const nf = (digits: number) =>
  new Intl.NumberFormat('en-US', {
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  });

/** 0.42 ms → "420 µs", 12.34 → "12.3 ms", 1234 → "1.23 s", 90000 → "1.5 min". */
export function formatDuration(ms: number | undefined | null): string {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${Math.round(ms * 1000)} µs`;
  if (ms < 10) return `${nf(2).format(ms)} ms`;
  if (ms < 100) return `${nf(1).format(ms)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${nf(2).format(ms / 1000)} s`;
  if (ms < 3_600_000) return `${nf(1).format(ms / 60_000)} min`;
  return `${nf(1).format(ms / 3_600_000)} h`;
}

/** Requests per second: "12.4 req/s", "0.05 req/s", "1.2k req/s". */
export function formatRate(perSecond: number | undefined | null): string {
  if (
    perSecond === undefined ||
    perSecond === null ||
    !Number.isFinite(perSecond)
  )
    return '–';
  if (perSecond === 0) return '0 req/s';
  if (perSecond >= 1000) return `${nf(1).format(perSecond / 1000)}k req/s`;
  if (perSecond >= 100) return `${nf(0).format(perSecond)} req/s`;
  if (perSecond >= 10) return `${nf(1).format(perSecond)} req/s`;
  if (perSecond >= 0.1) return `${nf(1).format(perSecond)} req/s`;
  return `${nf(3).format(perSecond)} req/s`;
}

/** A ratio 0..1 as a percentage: 0 → "0 %", 0.00042 → "0.04 %", 0.5 → "50 %". */
export function formatPercent(ratio: number | undefined | null): string {
  if (ratio === undefined || ratio === null || !Number.isFinite(ratio))
    return '–';
  const pct = ratio * 100;
  if (pct === 0) return '0 %';
  if (pct < 0.01) return '< 0.01 %';
  if (pct < 1) return `${nf(2).format(pct)} %`;
  if (pct < 10) return `${nf(1).format(pct)} %`;
  return `${nf(0).format(pct)} %`;
}

/** Bytes in binary units: "512 KiB", "128 MiB", "1.2 GiB". */
export function formatBytes(bytes: number | undefined | null): string {
  if (bytes === undefined || bytes === null || !Number.isFinite(bytes))
    return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${nf(value < 10 && unit > 0 ? 1 : 0).format(value)} ${units[unit]}`;
}

/** A count: 1234 → "1,234", 1234567 → "1.2M". */
export function formatCount(n: number | undefined | null): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '–';
  if (n >= 1_000_000) return `${nf(1).format(n / 1_000_000)}M`;
  return nf(0).format(n);
}

/** "just now", "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function formatRelative(
  time: string | number | undefined,
  now: number = Date.now(),
): string {
  if (time === undefined) return '–';
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return '–';
  const s = Math.round((now - t) / 1000);
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Local wall-clock time, with the date when not today. */
export function formatTime(time: string | number | undefined): string {
  if (time === undefined) return '–';
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '–';
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  const clock = d.toLocaleTimeString('en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return sameDay
    ? clock
    : `${d.toLocaleDateString('en-GB', {
        day: 'numeric',
        month: 'short',
      })} ${clock}`;
}

/** Axis tick for a chart's time axis. */
export function formatClock(t: number, rangeMs: number): string {
  const d = new Date(t);
  if (rangeMs > 2 * 86_400_000) {
    return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
  }
  if (rangeMs < 15 * 60_000) {
    // A few minutes of data: minutes alone would repeat on every tick.
    return d.toLocaleTimeString('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }
  return d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

/** A dependency check's observed value with its unit: "3 ms", "open", "12". */
export function formatObserved(value: unknown, unit?: string): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number') {
    if (unit === 'ms') return formatDuration(value);
    if (unit === 's') return formatDuration(value * 1000);
    if (unit === 'percent' || unit === '%') return `${nf(1).format(value)} %`;
    if (unit === 'bytes' || unit === 'B') return formatBytes(value);
    return unit ? `${nf(2).format(value)} ${unit}` : nf(2).format(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') {
    return unit ? `${value} ${unit}` : String(value);
  }
  return JSON.stringify(value);
}

/** An error budget left, 0..1 (negative when overspent): 0.42 → "42 %", -9 → "-900 %". */
export function formatBudget(remaining: number | undefined): string {
  if (remaining === undefined || !Number.isFinite(remaining)) return '–';
  return `${Math.round(remaining * 100)} %`;
}
