export interface Config {
  scaffolder?: {
    fastify?: {
      /**
       * The catalog module's scan of `scaffolder.fastify.localRepositoryRoot`:
       * one `local-git` Location per bare repository with a `catalog-info.yaml`
       * on its default branch, so services created with `fastify:publish:local`
       * are back in the catalog after a restart, and leave it when their
       * repository is deleted. Emits the same Location as
       * `fastify:catalog:register-local` (no duplicates).
       */
      localRepositoryDiscovery?: {
        /** Default: true. */
        enabled?: boolean;
        /** Seconds between scans (the first runs on start). Default: 30. */
        frequencySeconds?: number;
      };
    };
  };
}
