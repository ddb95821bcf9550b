import type { UrlReaderService } from '@backstage/backend-plugin-api';
import {
  Entity,
  getEntitySourceLocation,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError, NotModifiedError } from '@backstage/errors';
import type { ScmIntegrationRegistry } from '@backstage/integration';
import {
  OPENSLO_ANNOTATION,
  SloDefinition,
} from '@fastify-backstage/plugin-service-health-common';
import { parseOpenSlo } from './openslo';

/** A file read less than this long ago is not read again. */
const FRESH_MS = 60_000;
const MAX_CACHED = 1000;

interface Cached {
  etag?: string;
  readAt: number;
  slos: SloDefinition[];
}

/**
 * Reads an entity's OpenSLO file through the backend's UrlReader (GitHub,
 * local repositories, ...) from the annotation's path, resolved against the
 * entity's source location as the catalog resolves `$text` placeholders.
 * Parsed files are kept for a minute and re-read with their ETag.
 */
export class SloFileReader {
  readonly #cache = new Map<string, Cached>();

  constructor(
    private readonly options: {
      urlReader: UrlReaderService;
      integrations: ScmIntegrationRegistry;
      maxWindowSeconds: number;
    },
  ) {}

  /** The absolute URL of the entity's OpenSLO file. */
  fileUrl(entity: Entity): string {
    const ref = stringifyEntityRef(entity);
    const value = entity.metadata.annotations?.[OPENSLO_ANNOTATION]?.trim();
    if (!value) {
      throw new NotFoundError(`${ref} has no ${OPENSLO_ANNOTATION} annotation`);
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return value;
    let base;
    try {
      base = getEntitySourceLocation(entity);
    } catch {
      throw new InputError(
        `${ref}: the ${OPENSLO_ANNOTATION} path "${value}" is relative, but the entity has no source location to resolve it against`,
      );
    }
    // `url` locations, and others whose target is a URL too (the local
    // publisher's `local-git:file:///…`): the UrlReader says whether it can
    // read the result.
    if (base.type !== 'url' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(base.target)) {
      throw new InputError(
        `${ref}: cannot resolve "${value}" against a source location of type ${base.type}`,
      );
    }
    return this.options.integrations.resolveUrl({
      url: value,
      base: base.target,
    });
  }

  async read(entity: Entity): Promise<{ file: string; slos: SloDefinition[] }> {
    const file = this.fileUrl(entity);
    const cached = this.#cache.get(file);
    if (cached && Date.now() - cached.readAt < FRESH_MS) {
      return { file, slos: cached.slos };
    }
    let response;
    try {
      response = await this.options.urlReader.readUrl(file, {
        etag: cached?.etag,
      });
    } catch (e) {
      if (e instanceof NotModifiedError && cached) {
        cached.readAt = Date.now();
        return { file, slos: cached.slos };
      }
      if ((e as Error).name === 'NotFoundError') {
        throw new NotFoundError(`The OpenSLO file ${file} does not exist`);
      }
      throw e;
    }
    const text = (await response.buffer()).toString('utf8');
    let slos;
    try {
      slos = parseOpenSlo(text, {
        maxWindowSeconds: this.options.maxWindowSeconds,
      });
    } catch (e) {
      throw new InputError(
        `Invalid OpenSLO file ${file}: ${(e as Error).message}`,
      );
    }
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
    this.#cache.set(file, { etag: response.etag, readAt: Date.now(), slos });
    return { file, slos };
  }
}
