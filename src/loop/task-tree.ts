import { currentRunner } from "./current.js";
import type { Task } from "./task.js";

/** One task in the task tree. */
export interface TaskTreeNode {
  /** The Trio task, or for an entry of an asyncio loop, the asyncio Task. */
  task: object;
  name: string;
  /** What the task is parked in, or undefined if it is running (or awaiting a plain Promise). */
  waitingOn: string | undefined;
  /** The task's open nurseries, outermost first, each with its children. */
  nurseries: { name: string; children: TaskTreeNode[] }[];
  /** Extra entries contributed by other layers (asyncio tasks of a loop run by this task). */
  extra: TaskTreeNode[];
}

/** @internal Lets upper layers (asyncio loops) hang their own tasks under a Trio task. */
export const taskTreeExtensions: ((task: Task) => TaskTreeNode[])[] = [];

function nodeOf(task: Task): TaskTreeNode {
  return {
    task,
    name: task.name,
    waitingOn: task.waitingOn,
    nurseries: task.childNurseries.map((nursery, i) => ({
      name: i === 0 ? "nursery" : `nursery ${i + 1}`,
      children: [...nursery.childTasks].map(nodeOf),
    })),
    extra: taskTreeExtensions.flatMap((extend) => extend(task)),
  };
}

/** The tree of every task of the current run, from its root task. Sync, either flavor (inside the run). */
export function taskTree(): TaskTreeNode {
  const root = currentRunner("trio.lowlevel.taskTree()").initTask;
  if (root === null) throw new Error("the run has no root task yet");
  return nodeOf(root);
}

/** A readable dump of `taskTree()`: one line per task with what it waits on. */
export function formatTaskTree(node: TaskTreeNode = taskTree()): string {
  const lines: string[] = [];
  const visit = (n: TaskTreeNode, prefix: string, childPrefix: string): void => {
    lines.push(`${prefix}${n.name}${n.waitingOn === undefined ? " [running]" : ` [waiting: ${n.waitingOn}]`}`);
    const children = [...n.nurseries.flatMap((x) => x.children), ...n.extra];
    for (let i = 0; i < children.length; i++) {
      const last = i === children.length - 1;
      visit(children[i], `${childPrefix}${last ? "└─ " : "├─ "}`, `${childPrefix}${last ? "   " : "│  "}`);
    }
  };
  visit(node, "", "");
  return lines.join("\n");
}
