import type { RequestHandler } from 'express';

type SerializedError = {
  stack?: unknown;
  cause?: unknown;
  [key: string]: unknown;
};

/**
 * Removes `stack` (of the error and of its causes) from Backstage error replies.
 *
 * Backstage's error middleware (the root router's and every plugin router's)
 * serialises the stack whenever NODE_ENV is `development`, which
 * `backstage-cli package start` sets, and has no config key to turn it off. A
 * stack names absolute paths of this machine; a reply to a browser or an API
 * client has no use for it, and the backend's own log keeps the full error.
 */
export const hideStackTraces: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  res.json = (body?: unknown) => {
    if (res.statusCode >= 400 && isErrorResponseBody(body)) {
      return json({ ...body, error: withoutStack(body.error) });
    }
    return json(body);
  };
  next();
};

function isObject(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorResponseBody(
  body: unknown,
): body is { error: SerializedError; [key: string]: unknown } {
  return isObject(body) && isObject(body.error);
}

function withoutStack(error: SerializedError): SerializedError {
  const { stack: _stack, cause, ...rest } = error;
  return isObject(cause) ? { ...rest, cause: withoutStack(cause) } : rest;
}
