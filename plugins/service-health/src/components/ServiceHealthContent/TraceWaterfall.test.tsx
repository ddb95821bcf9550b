import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderInTestApp } from '@backstage/frontend-test-utils';
import type {
  Span,
  Trace,
} from '@fastify-backstage/plugin-service-health-common';
import { TraceWaterfall } from './TraceWaterfall';

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(spanId: string, extra: Partial<Span> = {}): Span {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId,
    serviceName: 'orders',
    operation: spanId,
    kind: 'internal',
    status: 'ok',
    startTime: T0,
    durationMs: 2,
    attributes: {},
    events: [],
    ...extra,
  };
}

const spans = [
  span('consume', {
    operation: 'items.changed process',
    kind: 'consumer',
    links: [
      {
        traceId: PRODUCER_TRACE,
        spanId: '00f067aa0ba902b7',
        attributes: { 'messaging.operation.type': 'process' },
      },
    ],
  }),
  span('store', { parentSpanId: 'consume', startTime: T0 + 0.5 }),
];
const trace: Trace = {
  traceId: spans[0].traceId,
  spans,
  summary: {
    traceId: spans[0].traceId,
    rootService: 'orders',
    rootOperation: 'items.changed process',
    startTime: T0,
    durationMs: 2,
    spanCount: 2,
    errorCount: 0,
    services: ['orders'],
  },
};

describe('TraceWaterfall span details', () => {
  it('shows the links of a span, and none for a span without', async () => {
    await renderInTestApp(<TraceWaterfall trace={trace} />);
    const waterfall = screen.getByTestId('trace-waterfall');
    const row = (id: string) =>
      waterfall.querySelector(`[data-span-id="${id}"]`)!;

    await userEvent.click(row('consume'));
    const links = within(waterfall).getByTestId('span-links');
    expect(links).toHaveTextContent('Links (1)');
    expect(links).toHaveTextContent(PRODUCER_TRACE);
    expect(links).toHaveTextContent('00f067aa0ba902b7');
    expect(links).toHaveTextContent('messaging.operation.typeprocess');

    await userEvent.click(row('store'));
    expect(within(waterfall).queryByTestId('span-links')).toBeNull();
  });
});
