import type { Schemas } from "../api/client";

export type TaskStatus = Schemas["TaskStatus"];
export const TASK_STATUSES: TaskStatus[] = [
  "pending",
  "running",
  "retrying",
  "completed",
  "failed",
  "cancelled",
];
export const PRIORITIES = ["low", "normal", "high", "critical"] as const;

/** The task state machine's manual transitions, as the API enforces them. */
export function taskActions(status: TaskStatus): {
  cancel: boolean;
  retry: boolean;
  remove: boolean;
} {
  return {
    cancel: status === "pending" || status === "retrying",
    retry: status === "failed",
    remove: isFinal(status),
  };
}

export function isFinal(status: TaskStatus | undefined): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}
