import { render, screen } from '@testing-library/react';
import App from './App';

describe('App', () => {
  it('renders the app shell and signs in through the guest provider', async () => {
    process.env = {
      NODE_ENV: 'test',
      APP_CONFIG: [
        {
          data: {
            app: { title: 'Test' },
            backend: { baseUrl: 'http://localhost:7007' },
          },
          context: 'test',
        },
      ] as any,
    };
    const fetchSpy = jest.fn(async () => {
      throw new Error('no backend in this test');
    });
    global.fetch = fetchSpy as any;

    render(App.createRoot());

    // The proxied guest sign-in asks the auth backend for a session at once,
    // without a sign-in click; with no backend it shows the error.
    const errors = await screen.findAllByText(
      /no backend in this test/i,
      {},
      { timeout: 15000 },
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(fetchSpy).toHaveBeenCalledWith(
      expect.stringContaining('/api/auth/guest/refresh'),
      expect.anything(),
    );
  }, 60_000);
});
