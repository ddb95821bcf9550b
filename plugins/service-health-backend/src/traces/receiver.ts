import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Span } from '@fastify-backstage/plugin-service-health-common';
import express from 'express';
import { timingSafeEqual, createHash } from 'node:crypto';
import { convertOtlpTraces } from './otlp';
import {
  decodeExportTraceRequest,
  encodeExportTraceResponse,
  encodeRpcStatus,
} from './protobuf';

/** Settings of the OTLP/HTTP receiver. */
export interface OtlpReceiverOptions {
  /** Stores converted spans; a rejection makes the export fail with 503 (retryable). */
  store(spans: Span[]): Promise<unknown>;
  logger: LoggerService;
  /** Accepted `Authorization: Bearer` tokens. */
  tokens: string[];
  /** Accept exports without a token (local development only). */
  allowUnauthenticated: boolean;
  /** Largest accepted body, after decompression. Default 4 MiB. */
  maxBodyBytes?: number;
}

const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

// google.rpc.Code values used in OTLP error bodies
const RPC = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  UNAUTHENTICATED: 16,
  UNAVAILABLE: 14,
} as const;

type Encoding = 'json' | 'protobuf';

function encodingOf(req: express.Request): Encoding | undefined {
  if (req.is(PROTOBUF_TYPE) || req.is('application/protobuf')) {
    return 'protobuf';
  }
  if (req.is(JSON_TYPE)) return 'json';
  return undefined;
}

function sendStatus(
  res: express.Response,
  encoding: Encoding,
  httpStatus: number,
  code: number,
  message: string,
) {
  res.status(httpStatus);
  if (encoding === 'protobuf') {
    res.type(PROTOBUF_TYPE).send(encodeRpcStatus(code, message));
  } else {
    res.type(JSON_TYPE).send(JSON.stringify({ code, message }));
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The embedded OTLP/HTTP trace receiver: `POST /v1/traces` with
 * `application/json` or `application/x-protobuf` bodies, optionally
 * gzip/deflate-compressed. Answers as the OTLP/HTTP specification says:
 * 200 with an `ExportTraceServiceResponse` in the request's encoding
 * (`partialSuccess` when some spans were rejected), 400 with a
 * `google.rpc.Status` for unreadable data, 401 without a valid token, 413 for
 * a body over the limit, 415 for another content type, 503 (retryable, with
 * `Retry-After`) when the store fails.
 *
 * Mount it before any JSON body parser: it reads the raw body itself.
 */
export function createOtlpReceiverRouter(
  options: OtlpReceiverOptions,
): express.Router {
  const { logger, allowUnauthenticated } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const tokenDigests = options.tokens.filter(Boolean).map(digest);
  const router = express.Router();

  const authorized = (req: express.Request): boolean => {
    if (allowUnauthenticated) return true;
    const header = req.header('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!m) return false;
    const given = digest(m[1]);
    let ok = false;
    for (const d of tokenDigests) ok = timingSafeEqual(given, d) || ok;
    return ok;
  };

  const rawBody = express.raw({
    type: () => true,
    limit: maxBodyBytes,
    inflate: true,
  });

  router.post(
    '/v1/traces',
    (req, res, next) => {
      const encoding = encodingOf(req) ?? 'json';
      if (!authorized(req)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        sendStatus(
          res,
          encoding,
          401,
          RPC.UNAUTHENTICATED,
          'Missing or invalid bearer token',
        );
        return;
      }
      if (!encodingOf(req)) {
        sendStatus(
          res,
          'json',
          415,
          RPC.INVALID_ARGUMENT,
          `Unsupported content type; use ${JSON_TYPE} or ${PROTOBUF_TYPE}`,
        );
        return;
      }
      // A router mounted after a JSON body parser: the body is already read.
      if ((req as any)._body) {
        next();
        return;
      }
      rawBody(req, res, next);
    },
    async (req, res) => {
      const encoding = encodingOf(req)!;
      let data: unknown;
      try {
        if (Buffer.isBuffer(req.body)) {
          data =
            encoding === 'protobuf'
              ? decodeExportTraceRequest(req.body)
              : JSON.parse(req.body.toString('utf8') || '{}');
        } else {
          data = req.body;
        }
      } catch (e) {
        sendStatus(
          res,
          encoding,
          400,
          RPC.INVALID_ARGUMENT,
          `Could not decode the ${encoding} body: ${(e as Error).message}`,
        );
        return;
      }
      if (!data || typeof data !== 'object' || Array.isArray(data)) {
        sendStatus(
          res,
          encoding,
          400,
          RPC.INVALID_ARGUMENT,
          'Expected an ExportTraceServiceRequest',
        );
        return;
      }
      const { spans, rejected, problems } = convertOtlpTraces(data);
      try {
        await options.store(spans);
      } catch (e) {
        logger.error(`Storing ${spans.length} received spans failed: ${e}`);
        res.setHeader('Retry-After', '5');
        sendStatus(
          res,
          encoding,
          503,
          RPC.UNAVAILABLE,
          'The span store is unavailable',
        );
        return;
      }
      const partialSuccess = rejected
        ? { rejectedSpans: rejected, errorMessage: problems.join('; ') }
        : undefined;
      if (rejected) {
        logger.debug(`Rejected ${rejected} spans: ${problems.join('; ')}`);
      }
      res.status(200);
      if (encoding === 'protobuf') {
        res.type(PROTOBUF_TYPE).send(encodeExportTraceResponse(partialSuccess));
      } else {
        res
          .type(JSON_TYPE)
          .send(JSON.stringify(partialSuccess ? { partialSuccess } : {}));
      }
    },
  );

  // Errors of the body reader: too large, bad compression, aborted.
  router.use(
    (
      err: any,
      req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      const encoding = encodingOf(req) ?? 'json';
      const status = Number(err?.status ?? err?.statusCode ?? 500);
      if (status === 413) {
        sendStatus(
          res,
          encoding,
          413,
          RPC.RESOURCE_EXHAUSTED,
          `Body larger than ${maxBodyBytes} bytes`,
        );
      } else if (status === 415) {
        sendStatus(
          res,
          encoding,
          415,
          RPC.INVALID_ARGUMENT,
          String(err.message ?? 'Unsupported encoding'),
        );
      } else if (status >= 400 && status < 500) {
        sendStatus(
          res,
          encoding,
          400,
          RPC.INVALID_ARGUMENT,
          String(err.message ?? 'Bad request'),
        );
      } else {
        logger.error(`OTLP receiver failed: ${err}`);
        res.setHeader('Retry-After', '5');
        sendStatus(res, encoding, 503, RPC.UNAVAILABLE, 'Internal error');
      }
    },
  );

  return router;
}
