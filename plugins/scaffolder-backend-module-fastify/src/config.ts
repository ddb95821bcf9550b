import { Config } from '@backstage/config';

/** The scaffolder's own default author settings (`scaffolder.defaultAuthor`). */
export function readDefaultAuthor(config: Config): {
  name: string;
  email: string;
} {
  return {
    name:
      config.getOptionalString('scaffolder.defaultAuthor.name') ?? 'Scaffolder',
    email:
      config.getOptionalString('scaffolder.defaultAuthor.email') ??
      'scaffolder@backstage.io',
  };
}
