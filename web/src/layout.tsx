import { Link, Navigate, Outlet, useRouterState } from "@tanstack/react-router";
import { allows, home, navFor, requiredRole } from "./access";
import { useLogout, useMe, useSessionRefresh, useToken } from "./auth/hooks";
import { Button, ErrorAlert, Loading, Page } from "./components/ui";

export function AdminLayout() {
  const me = useMe();
  const logout = useLogout();
  const pathname = useRouterState({ select: (s) => s.location.pathname });
  useSessionRefresh();

  if (me.isPending) return <Loading what="Signing in" />;
  if (me.isError) {
    return (
      <main className="p-8">
        <Page title="Something went wrong">
          <ErrorAlert error={me.error} />
        </Page>
      </main>
    );
  }
  const user = me.data;
  const permitted = allows(user.role, requiredRole(pathname));
  return (
    <div className="flex min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:p-2">
        Skip to content
      </a>
      <nav aria-label="Main" className="w-56 shrink-0 border-r border-slate-200 bg-white p-4">
        <p className="mb-4 font-semibold text-indigo-800">Serverless Starter</p>
        {navFor(user.role).map((section) => (
          <div key={section.title} className="mb-4">
            <p className="mb-1 text-xs font-semibold tracking-wide text-slate-600 uppercase">
              {section.title}
            </p>
            <ul className="space-y-0.5">
              {section.items.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    activeOptions={{ exact: true }}
                    className="block rounded px-2 py-1 text-sm text-slate-800 hover:bg-slate-100"
                    activeProps={{
                      className: "bg-indigo-50 font-medium text-indigo-900",
                      "aria-current": "page",
                    }}
                  >
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-3 border-b border-slate-200 bg-white px-6 py-3 text-sm">
          <span>
            Signed in as <strong>{user.username}</strong> ({user.role})
          </span>
          <Button variant="secondary" onClick={() => void logout()}>
            Sign out
          </Button>
        </header>
        <main id="main" className="flex-1 p-6">
          {permitted ? <Outlet /> : <Forbidden />}
        </main>
      </div>
    </div>
  );
}

function Forbidden() {
  return (
    <Page title="Access denied">
      <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-900">
        Your role does not allow this page. Ask an administrator if you need it.
      </p>
      <Link to="/admin/tasks" className="text-indigo-800 underline">
        Go to your tasks
      </Link>
    </Page>
  );
}

/** `/`: the signed-in user's home, or the login page. */
export function IndexRedirect() {
  const token = useToken();
  const me = useMe();
  if (token === null) return <Navigate to="/auth/login" />;
  if (me.data) return <Navigate to={home(me.data.role)} />;
  return me.isError ? <Navigate to="/auth/login" /> : <Loading />;
}

export function NotFound() {
  return (
    <main className="p-8">
      <Page title="Page not found">
        <p>There is no page at this address.</p>
        <Link to="/" className="text-indigo-800 underline">
          Go to the dashboard
        </Link>
      </Page>
    </main>
  );
}
