export interface Config {
  /** Settings of the Fastify service template's scaffolder actions. */
  scaffolder?: {
    fastify?: {
      /**
       * Where `fastify:publish:local` creates bare git repositories for new
       * services. Relative paths resolve against the backend's working directory.
       */
      localRepositoryRoot?: string;
    };
  };
}
