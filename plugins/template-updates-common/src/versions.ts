import semver from 'semver';

/**
 * Where a service stands against its template.
 *
 * @public
 */
export type DriftStatus = 'current' | 'behind' | 'ahead' | 'unknown';

/**
 * Compares the version a service was made from with the template's current
 * one. Versions are semver (MAJOR.MINOR.PATCH); anything else is 'unknown'
 * rather than compared as text, where '10.0.0' would sort before '9.0.0'.
 *
 * @public
 */
export function driftStatus(
  madeFrom: string | undefined,
  current: string | undefined,
): DriftStatus {
  const from = madeFrom ? semver.valid(madeFrom) : null;
  const to = current ? semver.valid(current) : null;
  if (!from || !to) return 'unknown';
  const order = semver.compare(from, to);
  if (order < 0) return 'behind';
  return order === 0 ? 'current' : 'ahead';
}

/**
 * Whether `version` lies in (from, to].
 *
 * @public
 */
export function isVersionBetween(
  version: string,
  from: string,
  to: string,
): boolean {
  const v = semver.valid(version);
  return Boolean(
    v &&
      semver.valid(from) &&
      semver.valid(to) &&
      semver.gt(v, from) &&
      semver.lte(v, to),
  );
}
