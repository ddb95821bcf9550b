import {
  createFrontendModule,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

/**
 * `ui:field: UniqueEntityNamePicker`.
 *
 * @public
 */
export const uniqueEntityNamePickerField = FormFieldBlueprint.make({
  name: 'unique-entity-name-picker',
  params: {
    field: () =>
      import('./fields/UniqueEntityNamePicker').then(
        m => m.UniqueEntityNamePickerField,
      ),
  },
});

/**
 * `ui:field: PublishTargetPicker`.
 *
 * @public
 */
export const publishTargetPickerField = FormFieldBlueprint.make({
  name: 'publish-target-picker',
  params: {
    field: () =>
      import('./fields/PublishTargetPicker').then(
        m => m.PublishTargetPickerField,
      ),
  },
});

/**
 * `ui:field: GithubRepoPicker`.
 *
 * @public
 */
export const githubRepoPickerField = FormFieldBlueprint.make({
  name: 'github-repo-picker',
  params: {
    field: () =>
      import('./fields/GithubRepoPicker').then(m => m.GithubRepoPickerField),
  },
});

/**
 * `/local-git/:name`: a read-only view of a repository made by `fastify:publish:local`.
 *
 * @public
 */
export const localRepositoryPage = PageBlueprint.make({
  name: 'local-repository',
  params: {
    path: '/local-git',
    loader: () =>
      import('./repository/LocalRepositoryPage').then(m => (
        <m.LocalRepositoryPage />
      )),
  },
});

/**
 * The Fastify service template's additions to the scaffolder frontend: form
 * fields that refuse a taken name, a publish target the portal cannot serve
 * and an incomplete GitHub repository before the task runs, and the page the
 * task's "Repository" link opens for a local repository.
 *
 * @public
 */
export const scaffolderModuleFastify = createFrontendModule({
  pluginId: 'scaffolder',
  extensions: [
    uniqueEntityNamePickerField,
    publishTargetPickerField,
    githubRepoPickerField,
    localRepositoryPage,
  ],
});
