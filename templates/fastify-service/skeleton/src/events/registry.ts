import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { Item } from '../items/schemas.ts';
import { EventEnvelope } from './envelope.ts';

/**
 * The schema of every event's data, per (type, version). Producers are checked when they write to the outbox
 * and consumers when they receive, so a malformed or unknown event is stopped at both ends. To change an event
 * incompatibly, add a version beside the old one and keep publishing the old one until consumers have moved.
 */
export const eventSchemas = {
  'item.created': { 1: Item },
  'item.updated': { 1: Item },
  'item.deleted': { 1: Type.Object({ id: Type.String() }) },
} as const satisfies Record<string, Record<number, TSchema>>;

export type EventType = keyof typeof eventSchemas;
export type EventVersion<T extends EventType> = keyof (typeof eventSchemas)[T] & number;
type SchemaOf<
  T extends EventType,
  V extends EventVersion<T>,
> = (typeof eventSchemas)[T][V] extends infer S extends TSchema ? S : never;
export type EventData<T extends EventType, V extends EventVersion<T>> = Static<SchemaOf<T, V>>;

/** An event that can never be processed (unparsable, unknown, or not matching its schema): dead-lettered at once. */
export class InvalidEventError extends Error {
  override name = 'InvalidEventError';
}

function schemaFor(type: string, version: number): TSchema | undefined {
  const versions = (eventSchemas as Record<string, Record<number, TSchema> | undefined>)[type];
  return versions?.[version];
}

function firstError(schema: TSchema, value: unknown): string {
  const error = Value.Errors(schema, value)[0];
  return error === undefined ? 'is invalid' : `${error.instancePath || '/'} ${error.message}`;
}

/** Checks an event's data against its registered schema; throws InvalidEventError. */
export function validateData(type: string, version: number, data: unknown): void {
  const schema = schemaFor(type, version);
  if (schema === undefined) throw new InvalidEventError(`no schema for ${type} v${version}`);
  if (!Value.Check(schema, data)) {
    throw new InvalidEventError(`${type} v${version} data: ${firstError(schema, data)}`);
  }
}

/** Parses and checks a received envelope (structure, then data schema); throws InvalidEventError. */
export function parseEnvelope(raw: string): EventEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidEventError('envelope is not JSON');
  }
  if (!Value.Check(EventEnvelope, value)) {
    throw new InvalidEventError(`envelope: ${firstError(EventEnvelope, value)}`);
  }
  return value;
}
