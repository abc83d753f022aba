import type { Schemas } from "./api/client";

export type Role = Schemas["Role"];

const RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

export function allows(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}

/** Who may open each area of the dashboard: the API's own rules (docs/rbac.md), so a page
 * is never shown to someone whose every call would be refused. Most specific prefix wins. */
const AREAS: [prefix: string, minimum: Role][] = [
  ["/admin/users/new", "admin"],
  ["/admin/users", "moderator"],
  ["/admin/tasks", "user"],
  ["/admin/analytics", "admin"],
  ["/admin/health", "admin"],
  ["/admin/monitoring", "moderator"],
  ["/admin/profile", "user"],
  ["/admin/audit", "admin"],
];

export function requiredRole(pathname: string): Role {
  const path = pathname.replace(/\/+$/, "");
  const area = AREAS.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
  return area ? area[1] : "moderator"; // the overview and anything unlisted
}

/** Where a role lands after signing in. */
export function home(role: Role): string {
  return allows(role, "moderator") ? "/admin" : "/admin/tasks";
}

export interface NavItem {
  to: string;
  label: string;
}

export const NAV: { title: string; items: NavItem[] }[] = [
  {
    title: "Operations",
    items: [
      { to: "/admin", label: "Overview" },
      { to: "/admin/tasks", label: "Tasks" },
      { to: "/admin/tasks/new", label: "New task" },
      { to: "/admin/tasks/dead-letter", label: "Dead letter" },
    ],
  },
  {
    title: "People",
    items: [
      { to: "/admin/users", label: "Users" },
      { to: "/admin/analytics", label: "Analytics" },
      { to: "/admin/audit", label: "Audit trail" },
    ],
  },
  {
    title: "Monitoring",
    items: [
      { to: "/admin/health", label: "Health" },
      { to: "/admin/monitoring", label: "Monitoring" },
      { to: "/admin/monitoring/events", label: "Events" },
      { to: "/admin/monitoring/metrics", label: "Metrics" },
      { to: "/admin/monitoring/alerts", label: "Alerts" },
      { to: "/admin/monitoring/incidents", label: "Incidents" },
    ],
  },
  { title: "Account", items: [{ to: "/admin/profile", label: "Profile" }] },
];

/** The sidebar a role sees: only what it may open. */
export function navFor(role: Role): typeof NAV {
  return NAV.map((section) => ({
    ...section,
    items: section.items.filter((item) => allows(role, requiredRole(item.to))),
  })).filter((section) => section.items.length > 0);
}
