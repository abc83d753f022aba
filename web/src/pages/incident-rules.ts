import type { Schemas } from "../api/client";

export type IncidentStatus = NonNullable<Schemas["IncidentUpdate"]["status"]>;

/** The API's incident lifecycle: forward along open → investigating → resolved → closed (steps
 * may be skipped); a resolved incident may be reopened; closed is final. */
const NEXT: Record<IncidentStatus, IncidentStatus[]> = {
  open: ["investigating", "resolved", "closed"],
  investigating: ["resolved", "closed"],
  resolved: ["closed", "open", "investigating"],
  closed: [],
};

export function nextStatuses(status: string): IncidentStatus[] {
  return status in NEXT ? NEXT[status as IncidentStatus] : [];
}

export const TRANSITION_LABEL: Record<IncidentStatus, string> = {
  open: "Reopen",
  investigating: "Start investigating",
  resolved: "Resolve",
  closed: "Close",
};
