import { niceTicks, stepLabel } from './MetricsCharts';

describe('chart axes', () => {
  it('puts ticks at round values that reach the highest value', () => {
    expect(niceTicks(0, 0.1)).toEqual([0, 0.02, 0.04, 0.06, 0.08, 0.1]);
    expect(niceTicks(0.33, 0.1)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(6, 0.1)).toEqual([0, 2, 4, 6]);
    expect(niceTicks(212, 1)).toEqual([0, 50, 100, 150, 200, 250]);
    expect(niceTicks(95, 1)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(1800, 1)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(niceTicks(Number.NaN, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('names a step for people', () => {
    expect(stepLabel(15)).toBe('15 s');
    expect(stepLabel(60)).toBe('1 min');
    expect(stepLabel(900)).toBe('15 min');
    expect(stepLabel(3600)).toBe('1 h');
  });
});
