import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type Problem } from '../../lib/problem.ts';

type Issue = NonNullable<Problem['errors']>[number];

/** JSON pointers of every string under `value` that contains U+0000. */
function nulStrings(value: unknown, path: string, found: string[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push(path);
  } else if (Array.isArray(value)) {
    value.forEach((entry, index) => {
      nulStrings(entry, `${path}/${index}`, found);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, entry] of Object.entries(value)) {
      const pointer = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (key.includes('\u0000')) found.push(pointer);
      nulStrings(entry, pointer, found);
    }
  }
}

const PARTS = [
  ['body', (request: FastifyRequest) => request.body],
  ['querystring', (request: FastifyRequest) => request.query],
  ['params', (request: FastifyRequest) => request.params],
] as const;

/** The parts of a request the route reads: those it declares a schema for (a probe ignores its query string). */
function declaredParts(request: FastifyRequest) {
  const schema = request.routeOptions.schema;
  return PARTS.filter(([location]) => schema?.[location] !== undefined);
}

/**
 * Rejects U+0000 in any string of a request with 400. PostgreSQL (and PGlite) cannot store it in text ("invalid
 * byte sequence for encoding UTF8: 0x00"), JSON and percent-encoding can carry it, and no legitimate text needs
 * it. Checked once here, before validation, in every part a route declares a schema for, so no route can forget it. Headers cannot carry it (Node's parser
 * refuses them).
 */
export default fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      const issues: Issue[] = [];
      for (const [location, read] of declaredParts(request)) {
        const found: string[] = [];
        nulStrings(read(request), '', found);
        for (const path of found) issues.push({ location, path, message: 'must not contain U+0000 (NUL)' });
      }
      if (issues.length > 0) {
        throw new HttpProblem(400, 'Text must not contain NUL characters (U+0000)', { errors: issues });
      }
    });
  },
  { name: 'input' },
);
