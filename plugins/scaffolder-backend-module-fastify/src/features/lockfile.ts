/**
 * Keeps an npm lockfile (v2/v3, `packages` section) in step with a
 * package.json from which dependencies were removed, so that `npm ci` still
 * works and no package of a removed feature stays behind.
 */

type LockPackage = {
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  [key: string]: unknown;
};

export type Lockfile = {
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
  dependencies?: unknown;
  [key: string]: unknown;
};

function parentOf(location: string): string | undefined {
  if (location === '') return undefined;
  const index = location.lastIndexOf('/node_modules/');
  return index === -1 ? '' : location.slice(0, index);
}

function resolveDependency(
  packages: Record<string, LockPackage>,
  from: string,
  name: string,
): string | undefined {
  let base: string | undefined = from;
  while (base !== undefined) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    base = parentOf(base);
  }
  return undefined;
}

/**
 * Removes `removed` from the root package's dependency lists in the lockfile
 * and drops every package entry no longer reachable from the root. Returns the
 * number of package entries dropped. Lockfile v1 (no `packages`) is left as is.
 */
export function pruneLockfile(
  lock: Lockfile,
  removed: { dependencies: string[]; devDependencies: string[] },
): number {
  const packages = lock.packages;
  if (!packages || !packages['']) return 0;
  const root = packages[''];
  for (const key of [
    'dependencies',
    'optionalDependencies',
    'peerDependencies',
  ] as const) {
    for (const name of removed.dependencies) delete root[key]?.[name];
  }
  for (const name of removed.devDependencies)
    delete root.devDependencies?.[name];

  const reachable = new Set<string>(['']);
  const queue: string[] = [''];
  // workspaces / links: keep them and their targets
  for (const [location, entry] of Object.entries(packages)) {
    if (entry.link && location.startsWith('node_modules/')) continue;
    if (!location.includes('node_modules/') && location !== '') {
      reachable.add(location);
      queue.push(location);
    }
  }
  while (queue.length) {
    const location = queue.shift()!;
    const entry = packages[location];
    if (entry.link && typeof entry.resolved === 'string') {
      if (packages[entry.resolved] && !reachable.has(entry.resolved)) {
        reachable.add(entry.resolved);
        queue.push(entry.resolved);
      }
    }
    const names = new Set<string>([
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}),
      ...(location === '' || !location.includes('node_modules/')
        ? Object.keys(entry.devDependencies ?? {})
        : []),
    ]);
    for (const name of names) {
      const target = resolveDependency(packages, location, name);
      if (target && !reachable.has(target)) {
        reachable.add(target);
        queue.push(target);
      }
    }
  }
  let dropped = 0;
  for (const location of Object.keys(packages)) {
    if (!reachable.has(location)) {
      delete packages[location];
      dropped++;
    }
  }
  return dropped;
}

/** Drops lockfile-v2 legacy `dependencies` entries whose package is gone. */
export function pruneLegacyLockEntries(lock: Lockfile): void {
  const legacy = lock.dependencies as Record<string, unknown> | undefined;
  if (!legacy || !lock.packages) return;
  for (const name of Object.keys(legacy)) {
    if (!lock.packages[`node_modules/${name}`]) delete legacy[name];
  }
}
