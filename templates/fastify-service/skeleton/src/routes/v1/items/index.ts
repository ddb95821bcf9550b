import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { createItem, deleteItem, updateItem } from '../../../items/commands.ts';
import { getItem, listItems } from '../../../items/queries.ts';
import { CreateItem, Item, ItemId, ItemPage, ListItemsQuery, UpdateItem } from '../../../items/schemas.ts';
import { etag, expectedVersions, requireIfMatch } from '../../../lib/etag.ts';
import {
  HttpProblem,
  bodyProblemResponses,
  problemResponse,
  problemResponses,
} from '../../../lib/problem.ts';

const IdParams = Type.Object({ id: ItemId });
/** Fastify refuses a path parameter over its maxParamLength (100) before routing. */
const idResponses = { 414: problemResponse('A path segment is longer than 100 characters') };
const IdempotencyKey = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 257,
    description:
      'Makes a retry safe: the first response for a key is stored with the change and replayed for 24 h (docs/idempotency.md)',
  }),
);
const IfMatch = Type.String({
  description: 'ETag of the version being changed (`*`: any version); 428 without it',
});
const WriteHeaders = Type.Object({ 'idempotency-key': IdempotencyKey });
const ConditionalWriteHeaders = Type.Object({ 'if-match': IfMatch, 'idempotency-key': IdempotencyKey });
const idempotencyResponses = {
  409: problemResponse(
    'Conflicts with the current data, or a request with this Idempotency-Key is in progress',
  ),
  422: problemResponse('This Idempotency-Key was already used with a different request'),
};
const preconditionResponses = {
  412: problemResponse('If-Match does not name the current version'),
  428: problemResponse('If-Match is required'),
};

/**
 * The example domain: items, with ETag/If-Match optimistic concurrency on writes. Each write stores its response
 * for the request's Idempotency-Key in the command's transaction (`beforeCommit`), then sends that same response:
 * the change and the response that retries replay commit together or not at all.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '',
    {
      // #region feature:auth
      preHandler: app.requireRole('items:write'),
      // #endregion feature:auth
      schema: {
        tags: ['items'],
        summary: 'Create an item',
        headers: WriteHeaders,
        body: CreateItem,
        response: { 201: Item, ...idempotencyResponses, ...bodyProblemResponses, ...problemResponses },
      },
    },
    async (request, reply) => {
      const headers = (item: Item) => ({
        location: `${request.url.split('?')[0] ?? ''}/${item.id}`,
        etag: etag(item.version),
      });
      const item = await createItem(app.db, request.body, (trx, created) =>
        reply.storeIdempotentResponse(trx, 201, created, headers(created)),
      );
      return reply.code(201).headers(headers(item)).send(item);
    },
  );

  app.get(
    '',
    {
      schema: {
        tags: ['items'],
        summary: 'List items (cursor pagination)',
        querystring: ListItemsQuery,
        response: { 200: ItemPage, ...problemResponses },
      },
    },
    async (request) => listItems(app.db, request.query),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['items'],
        summary: 'Get an item',
        params: IdParams,
        response: { 200: Item, ...idResponses, ...problemResponses },
      },
    },
    async (request, reply) => {
      const item = await getItem(app.db, request.params.id);
      if (item === undefined) throw new HttpProblem(404, `Item ${request.params.id} not found`);
      return reply.header('etag', etag(item.version)).send(item);
    },
  );

  app.patch(
    '/:id',
    {
      // #region feature:auth
      preHandler: app.requireRole('items:write'),
      // #endregion feature:auth
      // A missing If-Match is 428 (RFC 6585), not the 400 of header validation.
      preValidation: requireIfMatch,
      schema: {
        tags: ['items'],
        summary: 'Change an item (requires If-Match)',
        params: IdParams,
        headers: ConditionalWriteHeaders,
        body: UpdateItem,
        response: {
          200: Item,
          ...idResponses,
          ...idempotencyResponses,
          ...preconditionResponses,
          ...bodyProblemResponses,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const versions = expectedVersions(request.headers['if-match']);
      const item = await updateItem(app.db, request.params.id, versions, request.body, (trx, updated) =>
        reply.storeIdempotentResponse(trx, 200, updated, { etag: etag(updated.version) }),
      );
      return reply.header('etag', etag(item.version)).send(item);
    },
  );

  app.delete(
    '/:id',
    {
      // #region feature:auth
      preHandler: app.requireRole('items:write'),
      // #endregion feature:auth
      preValidation: requireIfMatch,
      schema: {
        tags: ['items'],
        summary: 'Delete an item (requires If-Match)',
        params: IdParams,
        headers: ConditionalWriteHeaders,
        response: {
          204: Type.Null(),
          ...idResponses,
          ...idempotencyResponses,
          ...preconditionResponses,
          ...bodyProblemResponses,
          ...problemResponses,
        },
      },
    },
    async (request, reply) => {
      const versions = expectedVersions(request.headers['if-match']);
      await deleteItem(app.db, request.params.id, versions, (trx) =>
        reply.storeIdempotentResponse(trx, 204, null),
      );
      return reply.code(204).send(null);
    },
  );
};

export default routes;
