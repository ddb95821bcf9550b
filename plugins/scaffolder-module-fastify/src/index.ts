/**
 * The Fastify service template's frontend module for the scaffolder (new
 * frontend system): the `UniqueEntityNamePicker`, `PublishTargetPicker` and
 * `GithubRepoPicker` form fields and the local repository page.
 *
 * @packageDocumentation
 */
export { scaffolderModuleFastify as default } from './module';
export {
  githubRepoPickerField,
  localRepositoryPage,
  publishTargetPickerField,
  uniqueEntityNamePickerField,
} from './module';
export { FastifyScaffolderClient } from './api';
export type { LocalRepositoryDescription, PublishTargetStatus } from './api';
