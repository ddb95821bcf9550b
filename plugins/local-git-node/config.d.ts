export interface Config {
  scaffolder?: {
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
    };
  };
}
