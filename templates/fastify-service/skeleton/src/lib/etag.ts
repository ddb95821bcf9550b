import type { FastifyRequest } from 'fastify';
import { HttpProblem } from './problem.ts';

/** Strong entity tag for a row version. */
export function etag(version: number): string {
  return `"${version}"`;
}

/**
 * The versions an If-Match header accepts (RFC 9110 §13.1.1): `null` for `*`, else the listed strong tags.
 * A missing header is 428 Precondition Required: unsafe writes must say which version they change.
 */
export function expectedVersions(ifMatch: string | undefined): number[] | null {
  if (ifMatch === undefined || ifMatch.trim() === '') {
    throw new HttpProblem(428, 'This request requires an If-Match header with the ETag of the current item');
  }
  if (ifMatch.trim() === '*') return null;
  return ifMatch
    .split(',')
    .map((tag) => /^"(\d{1,9})"$/.exec(tag.trim())?.[1])
    .filter((version) => version !== undefined)
    .map(Number);
}

/** preValidation hook: answers a write without If-Match with 428 before header validation would say 400. */
export async function requireIfMatch(request: FastifyRequest): Promise<void> {
  expectedVersions(request.headers['if-match']);
}
