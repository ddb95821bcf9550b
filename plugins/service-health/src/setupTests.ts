import '@testing-library/jest-dom';

// recharts' ResponsiveContainer measures its parent; jsdom has no layout.
class ResizeObserverStub {
  private readonly callback: ResizeObserverCallback;
  constructor(callback: ResizeObserverCallback) {
    this.callback = callback;
  }
  observe(target: Element) {
    this.callback(
      [{ target, contentRect: { width: 600, height: 170 } } as any],
      this as any,
    );
  }
  unobserve() {}
  disconnect() {}
}
(globalThis as any).ResizeObserver ??= ResizeObserverStub;

// The tab renders a lot (tables, charts) and jsdom is slow on 2 cores.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 5000 });

// jsdom has no layout, hence no scrolling; the tab scrolls an opened trace into view.
Element.prototype.scrollIntoView = jest.fn();
