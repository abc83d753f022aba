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
    remove: status === "completed" || status === "failed" || status === "cancelled",
  };
}

export function isFinal(status: TaskStatus | undefined): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** The JSON in the payload box, or a message saying why it is not JSON. */
export function parsePayload(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return {
      ok: false,
      message: `Payload is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
