import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
  type RouterHistory,
} from "@tanstack/react-router";
import { AdminLayout, IndexRedirect, NotFound } from "./layout";
import { session } from "./auth/session";

const rootRoute = createRootRoute({ component: Outlet, notFoundComponent: NotFound });

const indexRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/",
  component: IndexRedirect,
});

const authSearch = (search: Record<string, unknown>): { redirect?: string } =>
  typeof search.redirect === "string" ? { redirect: search.redirect } : {};

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/auth/login",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./pages/auth"), "LoginPage"),
});

const registerRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/auth/register",
  validateSearch: authSearch,
  component: lazyRouteComponent(() => import("./pages/auth"), "RegisterPage"),
});

const adminRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/admin",
  beforeLoad: ({ location }) => {
    if (session.token() === null) {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the router's redirect protocol
      throw redirect({ to: "/auth/login", search: { redirect: location.href } });
    }
  },
  component: AdminLayout,
});

function page<const P extends string, M extends Record<string, unknown>>(
  path: P,
  load: () => Promise<M>,
  name: keyof M & string,
) {
  return createRoute({
    getParentRoute: () => adminRoute,
    path,
    component: lazyRouteComponent(load, name),
  });
}

const overview = () => import("./pages/overview");
const tasks = () => import("./pages/tasks");
const users = () => import("./pages/users");
const analytics = () => import("./pages/analytics");
const health = () => import("./pages/health");
const monitoring = () => import("./pages/monitoring");
const alerts = () => import("./pages/alerts");
const incidents = () => import("./pages/incidents");
const profile = () => import("./pages/profile");
const audit = () => import("./pages/audit");

const routeTree = rootRoute.addChildren([
  indexRoute,
  loginRoute,
  registerRoute,
  adminRoute.addChildren([
    page("/", overview, "OverviewPage"),
    page("/tasks", tasks, "TasksPage"),
    page("/tasks/new", tasks, "NewTaskPage"),
    page("/tasks/dead-letter", tasks, "DeadLetterPage"),
    page("/tasks/$taskId", tasks, "TaskPage"),
    page("/users", users, "UsersPage"),
    page("/users/new", users, "NewUserPage"),
    page("/users/$userId", users, "UserPage"),
    page("/analytics", analytics, "AnalyticsPage"),
    page("/health", health, "HealthPage"),
    page("/monitoring", monitoring, "MonitoringPage"),
    page("/monitoring/events", monitoring, "EventsPage"),
    page("/monitoring/metrics", monitoring, "MetricsPage"),
    page("/monitoring/alerts", alerts, "AlertsPage"),
    page("/monitoring/incidents", incidents, "IncidentsPage"),
    page("/monitoring/incidents/$incidentId", incidents, "IncidentPage"),
    page("/profile", profile, "ProfilePage"),
    page("/audit", audit, "AuditPage"),
  ]),
]);

/** The app's router; tests pass a memory history. */
export function createAppRouter(history?: RouterHistory) {
  return createRouter({ routeTree, history, defaultPreload: "intent", scrollRestoration: true });
}

export const router = createAppRouter();

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
