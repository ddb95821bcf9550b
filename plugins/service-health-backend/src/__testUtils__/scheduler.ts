import {
  coreServices,
  createServiceFactory,
  SchedulerService,
  SchedulerServiceTaskInvocationDefinition,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { HEALTH_POLL_TASK_ID, HEALTH_PRUNE_TASK_ID } from '../plugin';

type Task = SchedulerServiceTaskScheduleDefinition &
  SchedulerServiceTaskInvocationDefinition;

/**
 * A scheduler that only records tasks; `triggerTask` runs one and waits for it.
 * Lets a test run the poll cycle exactly when it wants.
 */
export function manualScheduler() {
  const tasks = new Map<string, Task>();
  const scheduler: SchedulerService = {
    async scheduleTask(task) {
      tasks.set(task.id, task);
    },
    createScheduledTaskRunner(schedule) {
      return {
        run: async task => void tasks.set(task.id, { ...task, ...schedule }),
      };
    },
    async triggerTask(id) {
      const task = tasks.get(id);
      if (!task) throw new Error(`No task ${id}`);
      await task.fn(new AbortController().signal);
    },
    async cancelTask() {},
    async getScheduledTasks() {
      return [...tasks.values()].map(t => ({
        id: t.id,
        scope: t.scope ?? 'global',
        settings: { version: 2 } as any,
      }));
    },
  };
  return {
    scheduler,
    tasks,
    factory: createServiceFactory({
      service: coreServices.scheduler,
      deps: {},
      factory: () => scheduler,
    }),
  };
}

/**
 * One whole poll interval: every shard's poll task, then the prune task, as
 * the replicas of a backend would run them. The shard tasks run their shard
 * if it is due (see startServiceHealthBackend's interval).
 */
export async function triggerHealthPoll(
  scheduler: SchedulerService,
): Promise<void> {
  const tasks = await scheduler.getScheduledTasks();
  const ids = tasks.map(t => t.id);
  const shards = ids.filter(id =>
    id.startsWith(`${HEALTH_POLL_TASK_ID}:shard-`),
  );
  if (shards.length === 0) throw new Error('No poll shard task scheduled');
  for (const id of shards) await scheduler.triggerTask(id);
  await scheduler.triggerTask(HEALTH_PRUNE_TASK_ID);
}
