import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { allows, type Role } from "../access";
import { api, unwrap, type Schemas } from "../api/client";
import { useMe } from "../auth/hooks";
import { Confirm } from "../components/confirm";
import {
  Button,
  Card,
  Detail,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Notice,
  Page,
  Pager,
  Table,
  type Column,
  type Submit,
} from "../components/ui";
import { formatDateTime, text } from "../format";
import { userPowers } from "./user-rules";

const PAGE = 25;
type Profile = Schemas["UserProfile"];

function isProfile(value: unknown): value is Profile {
  return typeof value === "object" && value !== null && "is_active" in value && "role" in value;
}
const ROLES: Role[] = ["user", "moderator", "admin"];

export function UsersPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(0);
  const [view, setView] = useState<"active" | "deactivated">("active");
  const isAdmin = me.data ? allows(me.data.role, "admin") : false;
  const users = useQuery({
    queryKey: ["users", view === "active" ? "list" : "deactivated", offset],
    queryFn: () =>
      view === "active"
        ? unwrap(api.GET("/api/v1/users", { params: { query: { limit: PAGE, offset } } }))
        : unwrap(
            api.GET("/api/v1/admin/users/deactivated", {
              params: { query: { limit: PAGE, offset } },
            }),
          ),
    placeholderData: keepPreviousData,
  });
  const reactivate = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.PUT("/api/v1/users/{user_id}/status", {
          params: { path: { user_id: id } },
          body: { is_active: true },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["users"] }),
  });
  const columns: Column<Profile>[] = [
    {
      header: "Username",
      cell: (u) =>
        view === "active" ? (
          <Link
            to="/admin/users/$userId"
            params={{ userId: u.id }}
            className="text-indigo-800 underline"
          >
            {u.username}
          </Link>
        ) : (
          u.username
        ),
    },
    { header: "Email", cell: (u) => u.email },
    { header: "Role", cell: (u) => u.role },
    { header: "Last login", cell: (u) => formatDateTime(u.last_login_at) },
  ];
  if (view === "deactivated") {
    columns.push({
      header: "Actions",
      cell: (u) => (
        <Button
          variant="secondary"
          disabled={reactivate.isPending}
          onClick={() => reactivate.mutate(u.id)}
        >
          Activate <span className="sr-only">{u.username}</span>
        </Button>
      ),
    });
  }
  return (
    <Page
      title="Users"
      actions={
        isAdmin && (
          <Link
            to="/admin/users/new"
            className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white"
          >
            New user
          </Link>
        )
      }
    >
      {isAdmin && (
        <div className="max-w-xs">
          <Field label="Show">
            <select
              value={view}
              onChange={(e) => {
                setView(e.target.value as "active" | "deactivated");
                setOffset(0);
              }}
              className={inputClass}
            >
              <option value="active">Active accounts</option>
              <option value="deactivated">Deactivated accounts</option>
            </select>
          </Field>
        </div>
      )}
      <ErrorAlert error={users.error ?? reactivate.error} />
      {users.isPending ? (
        <Loading />
      ) : (
        <Table
          caption={view === "active" ? "Users" : "Deactivated users"}
          rows={users.data ?? []}
          rowKey={(u) => u.id}
          empty={view === "active" ? "No users." : "No deactivated accounts."}
          columns={columns}
        />
      )}
      <Pager offset={offset} limit={PAGE} count={users.data?.length ?? 0} onChange={setOffset} />
    </Page>
  );
}

export function NewUserPage() {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const create = useMutation({
    mutationFn: (body: {
      username: string;
      email: string;
      password: string;
      role: Role;
      reason: string | null;
    }) => unwrap(api.POST("/api/v1/users", { body })),
    onSuccess: (user) => navigate({ to: "/admin/users/$userId", params: { userId: user.id } }),
    onError: setError,
  });
  function submit(event: Submit) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    create.mutate({
      username: text(f, "username").trim(),
      email: text(f, "email").trim(),
      password: text(f, "password"),
      role: text(f, "role") as Role,
      reason: text(f, "reason").trim() || null,
    });
  }
  return (
    <Page title="New user">
      <form onSubmit={submit} className="max-w-md space-y-4">
        <ErrorAlert error={error} />
        <Field label="Username">
          <input name="username" required className={inputClass} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" required className={inputClass} />
        </Field>
        <Field label="Password">
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            className={inputClass}
          />
        </Field>
        <Field label="Role">
          <select name="role" defaultValue="user" className={inputClass}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </Field>
        <Field label="Reason (audit trail)">
          <input name="reason" className={inputClass} />
        </Field>
        <Button type="submit" disabled={create.isPending}>
          Create user
        </Button>
      </form>
    </Page>
  );
}

export function UserPage() {
  const { userId } = useParams({ from: "/admin/users/$userId" });
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const user = useQuery({
    queryKey: ["users", "detail", userId],
    queryFn: () =>
      unwrap(api.GET("/api/v1/users/{user_id}", { params: { path: { user_id: userId } } })),
  });
  const path = { params: { path: { user_id: userId } } };
  const act = useMutation({
    mutationFn: async (action: () => Promise<unknown>) => action(),
    onSuccess: async (result) => {
      setError(null);
      // Status and role changes answer with the profile: keep it rather than read it again,
      // because the API hides a deactivated account from reads (404) but this page can still
      // reactivate it.
      if (isProfile(result)) queryClient.setQueryData(["users", "detail", userId], result);
      await queryClient.invalidateQueries({
        queryKey: ["users"],
        predicate: (q) => q.queryKey[1] !== "detail",
      });
    },
    onError: (e) => {
      setDone(null);
      setError(e);
    },
  });
  const run = (message: string, action: () => Promise<unknown>) => {
    setDone(null);
    act.mutate(action, { onSuccess: () => setDone(message) });
  };

  const u = user.data;
  if (user.isPending || !me.data) return <Loading />;
  if (!u) {
    return (
      <Page title="User">
        <ErrorAlert error={user.error} />
      </Page>
    );
  }
  const powers = userPowers(me.data, u);
  return (
    <Page title={u.username}>
      <ErrorAlert error={error} />
      {done && <Notice>{done}</Notice>}
      <Card>
        <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-2">
          <Detail term="Email">{u.email}</Detail>
          <Detail term="Role">{u.role}</Detail>
          <Detail term="Status">{u.is_active ? "active" : "deactivated"}</Detail>
          <Detail term="Created">{formatDateTime(u.created_at)}</Detail>
          <Detail term="Last login">{formatDateTime(u.last_login_at)}</Detail>
        </dl>
      </Card>
      {powers.changeRole && (
        <Card title="Role">
          <form
            className="flex items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              const role = text(new FormData(e.currentTarget), "role") as Role;
              run(`Role changed to ${role}.`, () =>
                unwrap(api.PUT("/api/v1/users/{user_id}/role", { ...path, body: { role } })),
              );
            }}
          >
            <Field label="New role">
              <select name="role" defaultValue={u.role} className={inputClass}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </Field>
            <Button type="submit" variant="secondary" disabled={act.isPending}>
              Change role
            </Button>
          </form>
        </Card>
      )}
      {powers.changeStatus && (
        <Card title="Access">
          {u.is_active ? (
            <Confirm
              label="Deactivate"
              title={`Deactivate ${u.username}?`}
              description="Their sessions end and they can no longer sign in."
              onConfirm={() =>
                run("User deactivated.", () =>
                  unwrap(
                    api.PUT("/api/v1/users/{user_id}/status", {
                      ...path,
                      body: { is_active: false },
                    }),
                  ),
                )
              }
            />
          ) : (
            <Button
              onClick={() =>
                run("User activated.", () =>
                  unwrap(
                    api.PUT("/api/v1/users/{user_id}/status", {
                      ...path,
                      body: { is_active: true },
                    }),
                  ),
                )
              }
            >
              Activate
            </Button>
          )}
        </Card>
      )}
      {powers.resetPassword && (
        <Card title="Reset password">
          <form
            className="flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              const form = e.currentTarget;
              const newPassword = text(new FormData(form), "new_password");
              run("Password reset; their sessions have ended.", async () => {
                await unwrap(
                  api.POST("/api/v1/users/{user_id}/reset-password", {
                    ...path,
                    body: { new_password: newPassword, require_change: true },
                  }),
                );
                form.reset();
              });
            }}
          >
            <Field label="New password">
              <input
                name="new_password"
                type="password"
                required
                minLength={8}
                autoComplete="new-password"
                className={inputClass}
              />
            </Field>
            <Button type="submit" variant="secondary" disabled={act.isPending}>
              Reset password
            </Button>
          </form>
        </Card>
      )}
      {powers.remove && (
        <Card title="Delete">
          <Confirm
            label="Delete user"
            title={`Delete ${u.username}?`}
            description="The account is deactivated at once and its data deleted after 30 days."
            onConfirm={() =>
              act.mutate(
                () =>
                  unwrap(
                    api.DELETE("/api/v1/users/{user_id}", {
                      ...path,
                      body: { hard_delete: false },
                    }),
                  ),
                {
                  onSuccess: () => void navigate({ to: "/admin/users" }),
                },
              )
            }
          />
        </Card>
      )}
    </Page>
  );
}
