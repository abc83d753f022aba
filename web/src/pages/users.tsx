import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { allows, type Role } from "../access";
import { api, unwrap } from "../api/client";
import { useMe } from "../auth/hooks";
import { Confirm } from "../components/confirm";
import {
  Badge,
  Button,
  Card,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Notice,
  Page,
  Pager,
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, text } from "../format";
import { userPowers } from "./user-rules";

const PAGE = 25;
const ROLES: Role[] = ["user", "moderator", "admin"];

export function UsersPage() {
  const me = useMe();
  const [offset, setOffset] = useState(0);
  const users = useQuery({
    queryKey: ["users", "list", offset],
    queryFn: () => unwrap(api.GET("/api/v1/users", { params: { query: { limit: PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
  const isAdmin = me.data ? allows(me.data.role, "admin") : false;
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
      <ErrorAlert error={users.error} />
      {users.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Users"
          rows={users.data ?? []}
          rowKey={(u) => u.id}
          columns={[
            {
              header: "Username",
              cell: (u) => (
                <Link
                  to="/admin/users/$userId"
                  params={{ userId: u.id }}
                  className="text-indigo-800 underline"
                >
                  {u.username}
                </Link>
              ),
            },
            { header: "Email", cell: (u) => u.email },
            { header: "Role", cell: (u) => u.role },
            {
              header: "Status",
              cell: (u) => (
                <Badge tone={u.is_active ? "green" : "slate"}>
                  {u.is_active ? "active" : "deactivated"}
                </Badge>
              ),
            },
            { header: "Last login", cell: (u) => formatDateTime(u.last_login_at) },
          ]}
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
    onSuccess: async () => {
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ["users"] });
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
          <div>
            <dt className="font-medium text-slate-600">Email</dt>
            <dd>{u.email}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Role</dt>
            <dd>{u.role}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Status</dt>
            <dd>{u.is_active ? "active" : "deactivated"}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Created</dt>
            <dd>{formatDateTime(u.created_at)}</dd>
          </div>
          <div>
            <dt className="font-medium text-slate-600">Last login</dt>
            <dd>{formatDateTime(u.last_login_at)}</dd>
          </div>
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
