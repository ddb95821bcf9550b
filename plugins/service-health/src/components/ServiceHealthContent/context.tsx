import { createContext, useContext } from 'react';
import type { SourceState } from '@fastify-backstage/plugin-service-health-common';

export type RangeKey = '15m' | '1h' | '6h' | '24h' | '7d';

export const RANGES: Record<
  RangeKey,
  { label: string; ms: number; stepSeconds: number }
> = {
  '15m': { label: 'Last 15 minutes', ms: 15 * 60_000, stepSeconds: 15 },
  '1h': { label: 'Last hour', ms: 3_600_000, stepSeconds: 60 },
  '6h': { label: 'Last 6 hours', ms: 6 * 3_600_000, stepSeconds: 300 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3_600_000, stepSeconds: 900 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3_600_000, stepSeconds: 3600 },
};

export const REFRESH_INTERVALS: Array<{ label: string; ms: number }> = [
  { label: 'Off', ms: 0 },
  { label: '10 s', ms: 10_000 },
  { label: '30 s', ms: 30_000 },
  { label: '1 min', ms: 60_000 },
  { label: '5 min', ms: 300_000 },
];

/** The sections of the tab that report where their data came from. */
export type SectionKey = 'health' | 'history' | 'metrics' | 'traces' | 'slos';

/** What a section reports about its data: the source state, or a failed request. */
export type SectionReport =
  | { kind: 'source'; source: SourceState; hasData: boolean }
  | { kind: 'failed'; error: Error };

export interface ServiceHealthContextValue {
  entityRef: string;
  environment?: string;
  range: RangeKey;
  /** ISO times of the current window; recomputed on every refresh. */
  window: { from: string; to: string };
  stepSeconds: number;
  /** Increments on every refresh (auto or manual). */
  refreshToken: number;
  /** Key that changes when previous data must not be shown any more. */
  resetKey: string;
  report(section: SectionKey, report: SectionReport | undefined): void;
  /** The trace whose waterfall is open (kept in the URL). */
  selectedTrace?: string;
  selectTrace(traceId: string | undefined): void;
}

export const ServiceHealthContext = createContext<
  ServiceHealthContextValue | undefined
>(undefined);

export function useServiceHealthContext(): ServiceHealthContextValue {
  const value = useContext(ServiceHealthContext);
  if (!value) {
    throw new Error('ServiceHealthContext is missing');
  }
  return value;
}
