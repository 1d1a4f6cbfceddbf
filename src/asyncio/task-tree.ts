/**
 * asyncio tasks in the engine's task tree (`trio.lowlevel.formatTaskTree()`): they appear
 * under the Trio task that runs their loop, with what each one waits on.
 */
import { taskTreeExtensions, type TaskTreeNode } from "../loop/task-tree.js";
import type { Task as TrioTask } from "../loop/task.js";
import type { BaseTrioEventLoop } from "./base-loop.js";

/** @internal The loops running now (a loop adds itself while it runs). */
export const runningLoops = new Set<BaseTrioEventLoop>();

function loopNodes(task: TrioTask): TaskTreeNode[] {
  const nodes: TaskTreeNode[] = [];
  for (const loop of runningLoops) {
    if (loop._task !== task) continue;
    for (const aioTask of loop._allTasks()) {
      const waiters = aioTask._waiters;
      nodes.push({
        task: aioTask,
        name: `asyncio ${aioTask.getName()}`,
        waitingOn: waiters !== null && waiters.length > 0 ? waiters.map((w) => `await ${String(w)}`).join(", ") : undefined,
        nurseries: [],
        extra: [],
      });
    }
  }
  return nodes;
}

taskTreeExtensions.push(loopNodes);
