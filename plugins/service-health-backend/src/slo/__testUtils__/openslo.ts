/**
 * An OpenSLO file with one availability SLO (requests not 5xx over all
 * requests), as the skeleton ships it; the tests vary the rolling window and
 * how the objective is written (`target: 0.999` or `targetPercent: 99.9`).
 */
export function availabilitySloYaml(
  options: { window?: string; objective?: string } = {},
): string {
  const { window = '28d', objective = 'target: 0.999' } = options;
  return `
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  indicator:
    metadata:
      name: non-5xx
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: fastify-backstage
            spec:
              events: non-5xx
        total:
          metricSource:
            type: fastify-backstage
            spec:
              events: all
  timeWindow:
    - duration: ${window}
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - ${objective}
`;
}
