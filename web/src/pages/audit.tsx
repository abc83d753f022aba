import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import {
  Button,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Page,
  Pager,
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, localToIso, text } from "../format";

type Action = Schemas["Action"];
const ACTIONS: Action[] = [
  "user.create",
  "user.profile_update",
  "user.status",
  "user.role",
  "user.reset_password",
  "user.delete",
  "ledger.read",
];
const PAGE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Filters {
  action?: Action;
  actor_id?: string;
  target_id?: string;
  since?: string;
  until?: string;
}

export function AuditPage() {
  const [filters, setFilters] = useState<Filters>({});
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const entries = useQuery({
    queryKey: ["audit", filters, offset],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/admin/audit", { params: { query: { ...filters, limit: PAGE, offset } } }),
      ),
    placeholderData: keepPreviousData,
  });

  function apply(event: Submit) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const value = (name: string) => text(f, name).trim();
    for (const id of ["actor_id", "target_id"]) {
      if (value(id) && !UUID.test(value(id))) {
        setError(`${id === "actor_id" ? "Actor" : "Target"} must be a user ID (a UUID).`);
        return;
      }
    }
    setError(null);
    setOffset(0);
    setFilters({
      action: (value("action") || undefined) as Action | undefined,
      actor_id: value("actor_id") || undefined,
      target_id: value("target_id") || undefined,
      since: localToIso(value("since")),
      until: localToIso(value("until")),
    });
  }

  return (
    <Page title="Audit trail">
      <form onSubmit={apply} className="grid grid-cols-1 items-end gap-3 md:grid-cols-6">
        <Field label="Action">
          <select name="action" defaultValue="" className={inputClass}>
            <option value="">Any action</option>
            {ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </Field>
        <Field label="Actor ID">
          <input name="actor_id" className={inputClass} />
        </Field>
        <Field label="Target ID">
          <input name="target_id" className={inputClass} />
        </Field>
        <Field label="Since">
          <input name="since" type="datetime-local" className={inputClass} />
        </Field>
        <Field label="Until">
          <input name="until" type="datetime-local" className={inputClass} />
        </Field>
        <Button type="submit">Apply filters</Button>
      </form>
      <ErrorAlert error={error ?? entries.error} />
      {entries.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Audit entries"
          rows={entries.data ?? []}
          rowKey={(e) => e.id}
          empty="No audit entries match."
          columns={[
            { header: "When", cell: (e) => formatDateTime(e.created_at) },
            { header: "Action", cell: (e) => e.action },
            { header: "Actor", cell: (e) => `${e.actor_username ?? "—"} (${e.actor_role ?? "?"})` },
            { header: "Target", cell: (e) => e.target_username ?? "—" },
            { header: "Reason", cell: (e) => e.reason ?? "—" },
            {
              header: "Details",
              cell: (e) => <code className="text-xs break-all">{JSON.stringify(e.details)}</code>,
            },
          ]}
        />
      )}
      <Pager offset={offset} limit={PAGE} count={entries.data?.length ?? 0} onChange={setOffset} />
    </Page>
  );
}
