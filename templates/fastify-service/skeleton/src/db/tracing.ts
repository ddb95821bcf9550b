import { type Attributes, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import {
  ATTR_DB_COLLECTION_NAME,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from '@opentelemetry/semantic-conventions';
import type {
  AbortableOperationOptions,
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  OperationNode,
  QueryResult,
  RootOperationNode,
} from 'kysely';

const tracer = trace.getTracer('kysely');

/** Where the database is, for `server.address` / `server.port` (PostgreSQL only: PGlite is in-process). */
export type DbServer = { address: string; port: number };

/** Reads host and port from a `postgres://` URL; undefined for a Unix socket or an unparsable URL. */
export function serverOf(connectionString: string): DbServer | undefined {
  try {
    const url = new URL(connectionString);
    if (url.hostname === '') return undefined;
    return { address: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 5432) };
  } catch {
    return undefined;
  }
}

/**
 * Wraps a Kysely dialect so that every query gets a CLIENT span with the OpenTelemetry database semantic
 * conventions, whatever the driver (`pg` or PGlite): `db.system.name`, `db.query.text` (the parameterised SQL
 * Kysely compiled; parameter values are never recorded), `db.operation.name`, `db.collection.name` when the
 * query targets one table, `server.address`/`server.port` for PostgreSQL, and ERROR status with `error.type`
 * (the SQLSTATE when there is one) on failure.
 *
 * Spans are only made inside a trace (a request's server span, a consumer's span): background polling does not
 * start a trace per query. When the parent is not recorded (not sampled), nothing is computed.
 */
export function withTracing(dialect: Dialect, server?: DbServer): Dialect {
  const base: Attributes = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL };
  if (server !== undefined) {
    base[ATTR_SERVER_ADDRESS] = server.address;
    base[ATTR_SERVER_PORT] = server.port;
  }
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => tracedDriver(dialect.createDriver(), base),
  };
}

function tracedDriver(driver: Driver, base: Attributes): Driver {
  const traced = new WeakSet<DatabaseConnection>();
  return {
    init: (options) => driver.init(options),
    // The connection object itself is instrumented (once) rather than wrapped: drivers keep private state on
    // their connections (transactions, release, cancellation), so it must stay the object they handed out.
    acquireConnection: async (options) => {
      const connection = await driver.acquireConnection(options);
      if (!traced.has(connection)) {
        traced.add(connection);
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = <R>(query: CompiledQuery, executeOptions?: AbortableOperationOptions) =>
          traceQuery(base, query, () => execute<R>(query, executeOptions));
      }
      return connection;
    },
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    ...(driver.savepoint && { savepoint: driver.savepoint.bind(driver) }),
    ...(driver.rollbackToSavepoint && { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }),
    ...(driver.releaseSavepoint && { releaseSavepoint: driver.releaseSavepoint.bind(driver) }),
    releaseConnection: (connection, options) => driver.releaseConnection(connection, options),
    destroy: (options) => driver.destroy(options),
  };
}

async function traceQuery<R>(
  base: Attributes,
  query: CompiledQuery,
  execute: () => Promise<QueryResult<R>>,
): Promise<QueryResult<R>> {
  const parent = context.active();
  // Under the (default) parent-based sampler a child of an unsampled span is not recorded either: skip all work.
  if (trace.getSpan(parent)?.isRecording() !== true) return execute();
  const { name, attributes } = describe(base, query);
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
  try {
    return await execute();
  } catch (error) {
    const code = sqlState(error);
    if (code !== undefined) span.setAttribute(ATTR_DB_RESPONSE_STATUS_CODE, code);
    span.setAttribute(ATTR_ERROR_TYPE, code ?? (error instanceof Error ? error.name : 'Error'));
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

type QuerySpan = { name: string; attributes: Attributes };

/**
 * Span name and attributes of a query, computed once per query tree: a query compiled once (src/items/queries.ts)
 * hands the same tree to every execution, so its description is looked up instead of walking the tree per request.
 * The SDK copies the attributes into each span, so sharing the object is safe.
 */
const described = new WeakMap<RootOperationNode, QuerySpan>();

function describe(base: Attributes, query: CompiledQuery): QuerySpan {
  const cached = described.get(query.query);
  if (cached !== undefined && cached.attributes[ATTR_DB_QUERY_TEXT] === query.sql) return cached;
  const operation = operationName(query);
  const collection = collectionName(query.query);
  const attributes: Attributes = { ...base, [ATTR_DB_QUERY_TEXT]: query.sql };
  if (operation !== undefined) attributes[ATTR_DB_OPERATION_NAME] = operation;
  if (collection !== undefined) attributes[ATTR_DB_COLLECTION_NAME] = collection;
  // Span name per the conventions: "{operation} {collection}", or the operation, or the database system.
  const name =
    operation === undefined
      ? DB_SYSTEM_NAME_VALUE_POSTGRESQL
      : collection === undefined
        ? operation
        : `${operation} ${collection}`;
  const description = { name, attributes };
  described.set(query.query, description);
  return description;
}

const OPERATIONS: Partial<Record<RootOperationNode['kind'], string>> = {
  SelectQueryNode: 'SELECT',
  InsertQueryNode: 'INSERT',
  UpdateQueryNode: 'UPDATE',
  DeleteQueryNode: 'DELETE',
  MergeQueryNode: 'MERGE',
};

/** The query builder's operation, or the first SQL keyword of raw SQL (`BEGIN`, `COMMIT`, `CREATE`...). */
function operationName(query: CompiledQuery): string | undefined {
  return OPERATIONS[query.query.kind] ?? /^\s*([a-z]+)/i.exec(query.sql)?.[1]?.toUpperCase();
}

type Node = OperationNode & {
  froms?: readonly Node[];
  from?: Node;
  into?: Node;
  table?: Node | { identifier: { name: string } };
  node?: Node;
  joins?: readonly unknown[];
  using?: unknown;
};

/** The table when the query builder's query targets exactly one (no joins); undefined for raw SQL. */
function collectionName(root: RootOperationNode): string | undefined {
  const node = root as Node;
  if (node.joins !== undefined && node.joins.length > 0) return undefined;
  switch (root.kind) {
    case 'SelectQueryNode':
    case 'DeleteQueryNode':
      return node.using === undefined ? tableName(single(node.from?.froms)) : undefined;
    case 'InsertQueryNode':
      return tableName(node.into);
    case 'UpdateQueryNode':
      return node.from === undefined ? tableName(node.table as Node | undefined) : undefined;
    default:
      return undefined;
  }
}

function single(nodes: readonly Node[] | undefined): Node | undefined {
  return nodes?.length === 1 ? nodes[0] : undefined;
}

function tableName(node: Node | undefined): string | undefined {
  const table = node?.kind === 'AliasNode' ? node.node : node;
  if (table?.kind !== 'TableNode') return undefined;
  return (table.table as { identifier: { name: string } }).identifier.name;
}

/** PostgreSQL errors (pg and PGlite alike) carry the SQLSTATE in `code`, e.g. 23505 for a unique violation. */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
