import { STATUS_CODES } from 'node:http';
import Type from 'typebox';

/** RFC 9457 problem details. Every error response of the service has this shape. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI reference identifying the problem type' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ location: Type.String(), path: Type.String(), message: Type.String() })),
    ),
  },
  { additionalProperties: true },
);

export type Problem = {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  errors?: { location: string; path: string; message: string }[];
};

/** Thrown by handlers and repositories for expected failures; the error handler renders it as-is. */
export class HttpProblem extends Error {
  readonly statusCode: number;
  readonly type: string;
  readonly title: string;
  readonly errors: Problem['errors'];
  /** Seconds for a Retry-After header (503, 429). */
  readonly retryAfterS: number | undefined;

  constructor(
    statusCode: number,
    detail: string,
    options: { type?: string; title?: string; errors?: Problem['errors']; retryAfterS?: number } = {},
  ) {
    super(detail);
    this.statusCode = statusCode;
    this.type = options.type ?? 'about:blank';
    this.title = options.title ?? STATUS_CODES[statusCode] ?? 'Error';
    this.errors = options.errors;
    this.retryAfterS = options.retryAfterS;
  }
}

export function problem(status: number, detail?: string): Problem {
  return {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    ...(detail ? { detail } : {}),
  };
}

/** A problem+json response, as the OpenAPI document states it and Fastify serializes it. */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } };
}

/** Problem responses documented on every route (the OpenAPI document lists them). */
export const problemResponses = {
  400: problemResponse('Invalid request: the `errors` member lists each problem'),
  // #region feature:auth
  401: problemResponse('Missing, malformed or invalid bearer token'),
  403: problemResponse('The token lacks the required role'),
  // #endregion feature:auth
  404: problemResponse('No such resource'),
  429: problemResponse('Too many requests: retry after the Retry-After seconds'),
  500: problemResponse('Unexpected failure (no internals in the detail)'),
  503: problemResponse(
    'A dependency is unavailable or the service is shutting down: retry after Retry-After',
  ),
};

/** Problems of routes that take a body. */
export const bodyProblemResponses = {
  413: problemResponse('The body is larger than BODY_LIMIT_BYTES'),
  415: problemResponse('The body is not application/json'),
};
