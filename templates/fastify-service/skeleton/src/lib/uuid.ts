import { randomUUIDv7 } from 'node:crypto';

/**
 * Primary keys are UUIDv7 generated here rather than by the database: PostgreSQL only has uuidv7() from
 * version 18, and time-ordered ids keep B-tree inserts local and make ids usable as pagination cursors.
 */
export function newId(): string {
  return randomUUIDv7();
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isUuidV7(value: string): boolean {
  return UUID_V7.test(value);
}
