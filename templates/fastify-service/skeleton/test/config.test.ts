import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('loadConfig', () => {
  it('starts with no environment at all, in development mode', () => {
    const config = loadConfig({});
    expect(config.NODE_ENV).toBe('development');
    expect(config.PORT).toBe(8080);
    expect(config.DOCS_ENABLED).toBe(true);
    expect(config.serviceName).toBeTruthy();
  });

  it('names the variable that is invalid', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
  });

  it('turns the docs off in production unless enabled', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).DOCS_ENABLED).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', DOCS_ENABLED: 'true' }).DOCS_ENABLED).toBe(true);
  });
  // #region feature:database

  it('refuses example secrets outside development', () => {
    const env = { DATABASE_URL: 'postgres://app:change-me@db:5432/app' };
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(
      /DATABASE_URL: still the example value/,
    );
    expect(loadConfig({ ...env, NODE_ENV: 'development' }).DATABASE_URL).toBe(env.DATABASE_URL);
  });

  it('migrates on start by default outside production only', () => {
    expect(loadConfig({}).MIGRATE_ON_START).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).MIGRATE_ON_START).toBe(false);
  });
  // #endregion feature:database
});
