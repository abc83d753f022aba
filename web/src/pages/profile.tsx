import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { allows } from "../access";
import { api, unwrap, type Schemas } from "../api/client";
import { ME, useMe } from "../auth/hooks";
import { session } from "../auth/session";
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
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, text } from "../format";

type Scope = Schemas["ApiKeyScope"];

function ProfileCard() {
  const queryClient = useQueryClient();
  const [done, setDone] = useState(false);
  const profile = useQuery({
    queryKey: ["profile"],
    queryFn: () => unwrap(api.GET("/api/v1/users/me/profile")),
  });
  const save = useMutation({
    mutationFn: (body: Schemas["ProfileUpdate"]) =>
      unwrap(api.PUT("/api/v1/users/me/profile", { body })),
    onSuccess: async () => {
      setDone(true);
      await queryClient.invalidateQueries({ queryKey: ["profile"] });
      await queryClient.invalidateQueries({ queryKey: ME });
    },
  });
  const p = profile.data;
  if (!p)
    return (
      <Card title="Profile">
        {profile.isPending ? <Loading /> : <ErrorAlert error={profile.error} />}
      </Card>
    );
  return (
    <Card title="Profile">
      <form
        className="grid max-w-xl grid-cols-1 items-end gap-3 sm:grid-cols-3"
        onSubmit={(e: Submit) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          setDone(false);
          save.mutate({
            username: text(f, "username").trim(),
            email: text(f, "email").trim(),
          });
        }}
      >
        <Field label="Username">
          <input name="username" required defaultValue={p.username} className={inputClass} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" required defaultValue={p.email} className={inputClass} />
        </Field>
        <Button type="submit" disabled={save.isPending}>
          Save profile
        </Button>
      </form>
      <p className="mt-3 text-sm text-slate-700">
        Role {p.role}; member since {formatDateTime(p.created_at)}; email{" "}
        {p.email_verified ? "verified" : "not verified"}.
      </p>
      <div className="mt-3 space-y-2">
        <ErrorAlert error={save.error} />
        {done && <Notice>Profile saved.</Notice>}
      </div>
    </Card>
  );
}

function PasswordCard() {
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const change = useMutation({
    mutationFn: (body: Schemas["PasswordChange"]) =>
      unwrap(api.PUT("/api/v1/users/me/password", { body })),
    onSuccess: () => {
      setError(null);
      setDone(true);
    },
    onError: setError,
  });
  return (
    <Card title="Password">
      <form
        className="grid max-w-xl grid-cols-1 items-end gap-3 sm:grid-cols-3"
        onSubmit={(e: Submit) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          setDone(false);
          if (f.get("new_password") !== f.get("confirm")) {
            setError(new Error("The new passwords do not match."));
            return;
          }
          change.mutate(
            {
              current_password: text(f, "current_password"),
              new_password: text(f, "new_password"),
            },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field label="Current password">
          <input
            name="current_password"
            type="password"
            required
            autoComplete="current-password"
            className={inputClass}
          />
        </Field>
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
        <Field label="Confirm new password">
          <input
            name="confirm"
            type="password"
            required
            autoComplete="new-password"
            className={inputClass}
          />
        </Field>
        <Button type="submit" disabled={change.isPending}>
          Change password
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        <ErrorAlert error={error} />
        {done && <Notice>Password changed. Your other sessions have ended.</Notice>}
      </div>
    </Card>
  );
}

function ApiKeysCard({ isAdmin }: { isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const keys = useQuery({
    queryKey: ["api-keys"],
    queryFn: () => unwrap(api.GET("/api/v1/auth/api-keys")),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["api-keys"] });
  const create = useMutation({
    mutationFn: (body: Schemas["ApiKeyRequest"]) =>
      unwrap(api.POST("/api/v1/auth/api-keys", { body })),
    onSuccess: async (key) => {
      setSecret(key.key);
      await refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/auth/api-keys/{key_id}", { params: { path: { key_id: id } } })),
    onSuccess: refresh,
  });
  const scopes: Scope[] = isAdmin ? ["read", "write", "admin"] : ["read", "write"];
  return (
    <Card title="API keys">
      <form
        className="grid grid-cols-1 items-end gap-3 sm:grid-cols-4"
        onSubmit={(e: Submit) => {
          e.preventDefault();
          const form = e.currentTarget;
          const f = new FormData(form);
          setSecret(null);
          create.mutate(
            {
              name: text(f, "name").trim(),
              scopes: f.getAll("scopes").map(String) as Scope[],
            },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field label="Key name">
          <input name="name" required maxLength={100} className={inputClass} />
        </Field>
        <fieldset className="text-sm">
          <legend className="font-medium text-slate-800">Scopes</legend>
          {scopes.map((s) => (
            <label key={s} className="mr-3 inline-flex items-center gap-1">
              <input type="checkbox" name="scopes" value={s} defaultChecked={s === "read"} /> {s}
            </label>
          ))}
        </fieldset>
        <Button type="submit" disabled={create.isPending}>
          Create key
        </Button>
      </form>
      <div className="mt-3 space-y-2">
        <ErrorAlert error={create.error ?? revoke.error ?? keys.error} />
        {secret && (
          <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
            <p className="font-medium">Copy this key now: it is shown only once.</p>
            <code data-testid="api-key-secret" className="mt-1 block break-all">
              {secret}
            </code>
          </div>
        )}
      </div>
      <div className="mt-3">
        <Table
          caption="Your API keys"
          rows={keys.data ?? []}
          rowKey={(k) => k.id}
          empty="No API keys."
          columns={[
            { header: "Name", cell: (k) => k.name },
            { header: "Prefix", cell: (k) => <code>{k.key_prefix}</code> },
            { header: "Scopes", cell: (k) => k.scopes.join(", ") },
            {
              header: "State",
              cell: (k) => (
                <Badge tone={k.is_active ? "green" : "slate"}>
                  {k.is_active ? "active" : "revoked"}
                </Badge>
              ),
            },
            { header: "Last used", cell: (k) => formatDateTime(k.last_used_at) },
            { header: "Uses", cell: (k) => k.usage_count },
            {
              header: "Actions",
              cell: (k) =>
                k.is_active && (
                  <Confirm
                    label="Revoke"
                    title={`Revoke ${k.name}?`}
                    description="Requests using this key fail from now on."
                    onConfirm={() => revoke.mutate(k.id)}
                  />
                ),
            },
          ]}
        />
      </div>
    </Card>
  );
}

function SessionsCard() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const sessions = useQuery({
    queryKey: ["sessions"],
    queryFn: () => unwrap(api.GET("/api/v1/auth/sessions")),
  });
  const end = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE("/api/v1/auth/sessions/{session_id}", { params: { path: { session_id: id } } }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sessions"] }),
  });
  const everywhere = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/logout-all")),
    onSuccess: async () => {
      session.clear();
      queryClient.clear();
      await navigate({ to: "/auth/login" });
    },
  });
  return (
    <Card title="Active sessions">
      <ErrorAlert error={sessions.error ?? end.error ?? everywhere.error} />
      <Table
        caption="Active sessions"
        rows={sessions.data ?? []}
        rowKey={(s) => s.id}
        columns={[
          {
            header: "Device",
            cell: (s) => <span className="break-all">{s.user_agent ?? "unknown"}</span>,
          },
          { header: "Signed in", cell: (s) => formatDateTime(s.created_at) },
          { header: "Last active", cell: (s) => formatDateTime(s.last_activity_at) },
          { header: "Expires", cell: (s) => formatDateTime(s.expires_at) },
          {
            header: "Actions",
            cell: (s) =>
              s.current ? (
                <Badge tone="blue">this session</Badge>
              ) : (
                <Button variant="secondary" onClick={() => end.mutate(s.id)}>
                  End session
                </Button>
              ),
          },
        ]}
      />
      <div className="mt-3">
        <Confirm
          label="Sign out everywhere"
          title="Sign out of every session?"
          description="Every device, this one included, must sign in again."
          onConfirm={() => everywhere.mutate()}
        />
      </div>
    </Card>
  );
}

export function ProfilePage() {
  const me = useMe();
  return (
    <Page title="Profile">
      <ProfileCard />
      <PasswordCard />
      <ApiKeysCard isAdmin={me.data ? allows(me.data.role, "admin") : false} />
      <SessionsCard />
    </Page>
  );
}
