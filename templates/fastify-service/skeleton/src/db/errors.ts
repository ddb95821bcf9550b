/** PostgreSQL (and PGlite) report constraint violations with a SQLSTATE code and the constraint's name. */
type PgError = { code?: unknown; constraint?: unknown };

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const pgError = error as PgError | null;
  return pgError?.code === '23505' && pgError.constraint === constraint;
}
