import { TemplateAction } from '@backstage/plugin-scaffolder-node';

/** Errors that describe bad input or state, not a bug: their message says everything. */
const USER_ERRORS = new Set([
  'InputError',
  'ConflictError',
  'NotFoundError',
  'NotAllowedError',
]);

/**
 * The scaffolder writes a failed step's `error.stack` into the task log, which
 * the user reads on the task page: for our actions' expected errors (a taken
 * name, a publisher without a token) the stack would only add this backend's
 * file paths. Those errors keep their name and message and lose their frames;
 * anything else (a bug) keeps its stack.
 */
export function withPlainErrors<T extends TemplateAction<any, any, any>>(
  action: T,
): T {
  return {
    ...action,
    async handler(ctx: Parameters<T['handler']>[0]) {
      try {
        await action.handler(ctx);
      } catch (error) {
        if (error instanceof Error && USER_ERRORS.has(error.name)) {
          error.stack = `${error.name}: ${error.message}`;
        }
        throw error;
      }
    },
  };
}
