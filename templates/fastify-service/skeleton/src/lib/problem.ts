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

/** Problem responses documented on every route (the OpenAPI document lists them). */
export const problemResponses = {
  400: ProblemSchema,
  // #region feature:auth
  401: ProblemSchema,
  403: ProblemSchema,
  // #endregion feature:auth
  404: ProblemSchema,
  429: ProblemSchema,
  500: ProblemSchema,
};
