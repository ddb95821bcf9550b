import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem } from './problem.ts';

/**
 * Errors Fastify raises before routing, such as a path with a broken percent-escape (`/v1/items/%zz`,
 * FST_ERR_BAD_URL): answered as problem+json like every other error (the `frameworkErrors` server option).
 */
export function frameworkErrors(
  error: { statusCode?: number; message: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 400;
  void reply
    .code(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send({ ...problem(status, error.message), instance: request.url, requestId: request.id });
}

/** Node's HTTP parser errors (RFC 9110 status for each); any other parse failure is a plain 400. */
const PARSER_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_INVALID_METHOD: 405,
  HPE_UNEXPECTED_CONTENT_LENGTH: 400,
};

const PARSER_DETAIL: Record<number, string> = {
  431: 'Request headers are too large',
  408: 'The request was not received in time',
  405: 'Unknown request method',
  400: 'Malformed HTTP request',
};

/**
 * Requests Node's HTTP parser refuses never reach Fastify (headers over 16 KiB, malformed request lines, unknown
 * methods, slow requests): Fastify's own `clientErrorHandler` answers them with its JSON shape. This one answers
 * problem+json, then closes the connection (the parser cannot continue on it).
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = PARSER_STATUS[error.code ?? ''] ?? 400;
  answerAndClose(socket, status, PARSER_DETAIL[status]);
}

/**
 * CONNECT asks a proxy for a tunnel: Node hands it to the server's 'connect' listener and, without one, drops the
 * connection unanswered. This service is no proxy: 405.
 */
export function refuseConnect(_request: unknown, socket: Socket): void {
  answerAndClose(socket, 405, 'CONNECT is not supported');
}

function answerAndClose(socket: Socket, status: number, detail: string | undefined): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(problem(status, detail));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
