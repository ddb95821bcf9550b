import { applyFeatureRegions } from './regions';

const known = new Set(['database', 'events', 'auth']);

describe('applyFeatureRegions', () => {
  const text = [
    'a',
    '// #region feature:database',
    'db',
    '  # #region feature:events',
    'events',
    '  # #endregion feature:events',
    '// #endregion feature:database',
    '<!-- #region feature:auth -->',
    'auth',
    '<!-- #endregion feature:auth -->',
    'z',
  ].join('\n');

  it('keeps chosen regions without their markers', () => {
    expect(applyFeatureRegions(text, known, known, 'f')).toBe(
      ['a', 'db', 'events', 'auth', 'z'].join('\n'),
    );
  });

  it('drops regions of features not chosen, including nested ones', () => {
    expect(applyFeatureRegions(text, new Set(['auth']), known, 'f')).toBe(
      ['a', 'auth', 'z'].join('\n'),
    );
    expect(applyFeatureRegions(text, new Set(['database']), known, 'f')).toBe(
      ['a', 'db', 'z'].join('\n'),
    );
  });

  it('leaves text without markers alone', () => {
    expect(applyFeatureRegions('x\r\ny', new Set(), known, 'f')).toBe('x\r\ny');
  });

  it('does not confuse feature names sharing a prefix', () => {
    expect(() =>
      applyFeatureRegions(
        '// #region feature:databases\n// #endregion feature:databases',
        known,
        known,
        'f',
      ),
    ).toThrow("f:1: marker for unknown feature 'databases'");
  });

  it.each([
    [
      '// #region feature:auth\nx',
      "f:1: '#region feature:auth' is never closed",
    ],
    [
      'x\n// #endregion feature:auth',
      "f:2: '#endregion feature:auth' has no matching '#region feature:auth'",
    ],
    [
      '// #region feature:auth\n// #region feature:database\n// #endregion feature:auth\n// #endregion feature:database',
      "f:3: '#endregion feature:auth' closes '#region feature:database' opened at line 2",
    ],
    [
      '// #region feature:cache\n// #endregion feature:cache',
      "f:1: marker for unknown feature 'cache'",
    ],
  ])('rejects bad markers: %j', (input, message) => {
    expect(() => applyFeatureRegions(input, known, known, 'f')).toThrow(
      message,
    );
  });
});
