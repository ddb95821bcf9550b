export interface Config {
  scaffolder?: {
    /** Settings of the Fastify service template's scaffolder actions. */
    fastify?: {
      /**
       * Where `fastify:publish:local` creates bare git repositories
       * (`<root>/<name>.git`), and the only folder from which the catalog reads
       * `local-git` locations. Relative paths resolve against the backend's
       * working directory (`packages/backend` under `npm start`).
       * Default: `.local-git` (that is, `<backend working directory>/.local-git`).
       * A root the action creates contains a `.gitignore` that ignores everything in it.
       */
      localRepositoryRoot?: string;
      /**
       * The catalog module's scan of `localRepositoryRoot`: one `local-git`
       * Location per bare repository with a `catalog-info.yaml` on its default
       * branch, so services created with `fastify:publish:local` are back in
       * the catalog after a restart, and leave it when their repository is
       * deleted. Emits the same Location as `fastify:catalog:register-local`
       * (no duplicates).
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
