import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import {
  Button,
  Card,
  Detail,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Page,
  Pager,
  StatusBadge,
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, text } from "../format";
import { nextStatuses, TRANSITION_LABEL, type IncidentStatus } from "./incident-rules";

type Severity = Schemas["IncidentIn"]["severity"];
const SEVERITIES: Severity[] = ["low", "medium", "high", "critical"];
const PAGE = 50;

export function IncidentsPage() {
  const queryClient = useQueryClient();
  const [offset, setOffset] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const incidents = useQuery({
    queryKey: ["incidents", "list", offset],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/monitoring/incidents", { params: { query: { limit: PAGE, offset } } }),
      ),
    placeholderData: keepPreviousData,
  });
  const create = useMutation({
    mutationFn: (body: Schemas["IncidentIn"]) =>
      unwrap(api.POST("/api/v1/monitoring/incidents", { body })),
    onSuccess: async () => {
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ["incidents"] });
    },
    onError: setError,
  });
  function submit(event: Submit) {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    create.mutate(
      {
        title: text(f, "title").trim(),
        severity: text(f, "severity") as Severity,
        description: text(f, "description").trim() || null,
      },
      { onSuccess: () => form.reset() },
    );
  }
  return (
    <Page title="Incidents">
      <ErrorAlert error={incidents.error} />
      {incidents.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Incidents"
          rows={incidents.data ?? []}
          rowKey={(i) => i.id}
          empty="No incidents."
          columns={[
            {
              header: "Title",
              cell: (i) => (
                <Link
                  to="/admin/monitoring/incidents/$incidentId"
                  params={{ incidentId: i.id }}
                  className="text-indigo-800 underline"
                >
                  {i.title}
                </Link>
              ),
            },
            { header: "Severity", cell: (i) => <StatusBadge status={i.severity} /> },
            { header: "Status", cell: (i) => <StatusBadge status={i.status} /> },
            { header: "Started", cell: (i) => formatDateTime(i.started_at) },
            { header: "Resolved", cell: (i) => formatDateTime(i.resolved_at) },
          ]}
        />
      )}
      <Pager
        offset={offset}
        limit={PAGE}
        count={incidents.data?.length ?? 0}
        onChange={setOffset}
      />
      <Card title="Open an incident">
        <form onSubmit={submit} className="grid grid-cols-1 items-end gap-3 md:grid-cols-4">
          <Field label="Title">
            <input name="title" required maxLength={500} className={inputClass} />
          </Field>
          <Field label="Severity">
            <select name="severity" defaultValue="medium" className={inputClass}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
          <Field label="Description">
            <input name="description" className={inputClass} />
          </Field>
          <Button type="submit" disabled={create.isPending}>
            Open incident
          </Button>
        </form>
        <div className="mt-3">
          <ErrorAlert error={error} />
        </div>
      </Card>
    </Page>
  );
}

export function IncidentPage() {
  const { incidentId } = useParams({ from: "/admin/monitoring/incidents/$incidentId" });
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const path = { params: { path: { incident_id: incidentId } } };
  const incident = useQuery({
    queryKey: ["incidents", "detail", incidentId],
    queryFn: () => unwrap(api.GET("/api/v1/monitoring/incidents/{incident_id}", path)),
  });
  const timeline = useQuery({
    queryKey: ["incidents", "timeline", incidentId],
    queryFn: () => unwrap(api.GET("/api/v1/monitoring/incidents/{incident_id}/timeline", path)),
  });
  const update = useMutation({
    mutationFn: (body: Schemas["IncidentUpdate"]) =>
      unwrap(api.PUT("/api/v1/monitoring/incidents/{incident_id}", { ...path, body })),
    onSuccess: async () => {
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ["incidents"] });
    },
    onError: setError,
  });
  const i = incident.data;
  const [rootCause, setRootCause] = useState<string | null>(null);
  return (
    <Page title={i ? `Incident: ${i.title}` : "Incident"}>
      <ErrorAlert error={incident.error ?? error} />
      {incident.isPending && <Loading />}
      {i && (
        <>
          <Card>
            <dl className="grid grid-cols-1 gap-2 text-sm sm:grid-cols-3">
              <Detail term="Status">
                <span data-testid="incident-status">
                  <StatusBadge status={i.status} />
                </span>
              </Detail>
              <Detail term="Severity">{i.severity}</Detail>
              <Detail term="Started">{formatDateTime(i.started_at)}</Detail>
              <Detail term="Resolved">{formatDateTime(i.resolved_at)}</Detail>
              <Detail term="Description">{i.description ?? "—"}</Detail>
            </dl>
          </Card>
          <Card title="Status">
            <div className="space-y-3">
              <Field label="Root cause">
                <textarea
                  rows={2}
                  value={rootCause ?? i.root_cause ?? ""}
                  onChange={(e) => setRootCause(e.target.value)}
                  className={inputClass}
                />
              </Field>
              <div className="flex flex-wrap gap-2">
                {nextStatuses(i.status).map((status: IncidentStatus) => (
                  <Button
                    key={status}
                    variant={status === "resolved" ? "primary" : "secondary"}
                    disabled={update.isPending}
                    onClick={() =>
                      update.mutate({
                        status,
                        ...(rootCause !== null && { root_cause: rootCause || null }),
                      })
                    }
                  >
                    {TRANSITION_LABEL[status]}
                  </Button>
                ))}
                {nextStatuses(i.status).length === 0 && (
                  <p className="text-slate-600">Closed incidents are final.</p>
                )}
              </div>
            </div>
          </Card>
          <Card title="Timeline">
            <ErrorAlert error={timeline.error} />
            {timeline.data && (
              <Table
                caption="Incident timeline"
                rows={timeline.data.entries}
                rowKey={(e) => e.id}
                empty="No events around this incident."
                columns={[
                  { header: "When", cell: (e) => formatDateTime(e.recorded_at) },
                  { header: "Source", cell: (e) => e.source },
                  { header: "Level", cell: (e) => e.level ?? "—" },
                  { header: "Message", cell: (e) => e.message },
                ]}
              />
            )}
          </Card>
        </>
      )}
    </Page>
  );
}
