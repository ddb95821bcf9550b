import fs from 'node:fs';
import path from 'node:path';

/*
 * The plugin's house rules, checked on its source (tests and test utilities
 * aside): one module makes outbound HTTP calls, one reads `serviceHealth.*`,
 * and nothing schedules its own timers for background work.
 */

const SRC = path.resolve(__dirname, '..');

function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return /^(__tests__|__testUtils__|__fixtures__)$/.test(entry.name)
        ? []
        : sourceFiles(full);
    }
    return /\.tsx?$/.test(entry.name) &&
      !/\.test\.tsx?$|testUtils\.ts$/.test(entry.name)
      ? [full]
      : [];
  });
}

function filesMatching(pattern: RegExp): string[] {
  return sourceFiles()
    .filter(file => pattern.test(fs.readFileSync(file, 'utf8')))
    .map(file => path.relative(SRC, file).split(path.sep).join('/'))
    .sort();
}

describe('one house', () => {
  it('finds the source files', () => {
    expect(sourceFiles().length).toBeGreaterThan(20);
  });

  it('makes outbound HTTP calls in one module only', () => {
    const outbound = [
      /(^|[^.\w$])fetch\(/m, // the global fetch
      // node's http/https modules (whatever they are called once imported)
      /^import (?!type)[^;]*from '(node:)?(https?|http2|net|tls)'/m,
      /require\(['"](node:)?(https?|http2)['"]\)/,
      /['"]undici['"]/,
      /['"](axios|node-fetch|got|cross-fetch)['"]/,
    ];
    for (const pattern of outbound) {
      const files = filesMatching(pattern);
      expect({ pattern: String(pattern), files }).toEqual({
        pattern: String(pattern),
        files: files.length ? ['outbound/OutboundHttp.ts'] : [],
      });
    }
    expect(filesMatching(/from 'node:https?'/)).toEqual([
      'outbound/OutboundHttp.ts',
    ]);
  });

  it('reads serviceHealth.* config in one module only', () => {
    expect(
      filesMatching(
        /\.(getOptional\w*|getString|getNumber|getBoolean|getConfig|getConfigArray|getStringArray)\(/,
      ),
    ).toEqual(['config.ts']);
    // Nothing else is handed the root config to read from.
    expect(filesMatching(/:\s*Config\b/)).toEqual(['config.ts']);
  });

  it('runs background work on the scheduler, not on timers of its own', () => {
    expect(filesMatching(/\bsetInterval\(/)).toEqual([]);
  });

  it('has one error family for its sources', () => {
    // Every error class of the plugin extends SourceError (or its subclasses).
    const declarations = sourceFiles().flatMap(file =>
      [
        ...fs
          .readFileSync(file, 'utf8')
          .matchAll(/class (\w+Error) extends (\w+)/g),
      ].map(m => [m[1], m[2]]),
    );
    const family = new Set(['SourceError']);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [name, base] of declarations) {
        if (family.has(base) && !family.has(name)) {
          family.add(name);
          grew = true;
        }
      }
    }
    const outside = declarations
      .filter(([name]) => !family.has(name) && name !== 'SourceError')
      .map(([name, base]) => `${name} extends ${base}`);
    expect(outside).toEqual([]);
  });
});
