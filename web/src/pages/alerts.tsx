import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, send, unwrap, type Schemas } from "../api/client";
import { Confirm } from "../components/confirm";
import {
  Button,
  Card,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Page,
  StatusBadge,
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, parseJsonObject, text } from "../format";

type Alert = Schemas["AlertOut"];
type Rule = Schemas["AlertCreate"];
const AGGREGATIONS = ["count", "avg", "sum", "min", "max"] as const;
const COMPARATORS = [">", ">=", "<", "<=", "=="] as const;

/** The rule form's fields as the API's body; a message when the filters are not a JSON object. */
export function ruleFromForm(f: FormData): Rule | string {
  const filters = parseJsonObject(text(f, "filters"), "Filters", '{"level": "error"}');
  if (typeof filters === "string") return filters;
  const number = (name: string) => Number(text(f, name));
  return {
    name: text(f, "name").trim(),
    description: text(f, "description").trim() || null,
    source: text(f, "source") as Rule["source"],
    filters,
    aggregation: text(f, "aggregation") as Rule["aggregation"],
    window_minutes: number("window_minutes"),
    comparator: text(f, "comparator") as Rule["comparator"],
    threshold_value: number("threshold_value"),
    for_minutes: number("for_minutes"),
    notify_email: text(f, "notify_email").trim() || null,
  };
}

function RuleForm({
  initial,
  onSubmit,
  busy,
  submitLabel,
}: {
  initial?: Alert;
  onSubmit: (rule: Rule) => void;
  busy: boolean;
  submitLabel: string;
}) {
  const [error, setError] = useState<string | null>(null);
  function submit(event: Submit) {
    event.preventDefault();
    const rule = ruleFromForm(new FormData(event.currentTarget));
    if (typeof rule === "string") {
      setError(rule);
      return;
    }
    setError(null);
    onSubmit(rule);
  }
  return (
    <form onSubmit={submit} className="grid grid-cols-1 items-end gap-3 md:grid-cols-4">
      <ErrorAlert error={error} />
      <Field label="Rule name">
        <input
          name="name"
          required
          maxLength={200}
          defaultValue={initial?.name}
          className={inputClass}
        />
      </Field>
      <Field label="Rule description">
        <input
          name="description"
          defaultValue={initial?.description ?? ""}
          className={inputClass}
        />
      </Field>
      <Field label="Data source">
        <select name="source" defaultValue={initial?.source ?? "events"} className={inputClass}>
          <option>events</option>
          <option>metrics</option>
        </select>
      </Field>
      <Field
        label="Filters (JSON)"
        hint="events: event_type, source, level, tags; metrics: name, labels"
      >
        <input
          name="filters"
          defaultValue={JSON.stringify(initial?.filters ?? { level: "error" })}
          className={`${inputClass} font-mono`}
        />
      </Field>
      <Field label="Aggregation">
        <select
          name="aggregation"
          defaultValue={initial?.aggregation ?? "count"}
          className={inputClass}
        >
          {AGGREGATIONS.map((a) => (
            <option key={a}>{a}</option>
          ))}
        </select>
      </Field>
      <Field label="Window (minutes)">
        <input
          name="window_minutes"
          type="number"
          min={1}
          required
          defaultValue={initial?.window_minutes ?? 5}
          className={inputClass}
        />
      </Field>
      <Field label="Comparator">
        <select name="comparator" defaultValue={initial?.comparator ?? ">"} className={inputClass}>
          {COMPARATORS.map((c) => (
            <option key={c}>{c}</option>
          ))}
        </select>
      </Field>
      <Field label="Threshold">
        <input
          name="threshold_value"
          type="number"
          step="any"
          required
          defaultValue={initial?.threshold_value ?? 10}
          className={inputClass}
        />
      </Field>
      <Field label="For (minutes)">
        <input
          name="for_minutes"
          type="number"
          min={0}
          required
          defaultValue={initial?.for_minutes ?? 0}
          className={inputClass}
        />
      </Field>
      <Field label="Notify email">
        <input
          name="notify_email"
          type="email"
          defaultValue={initial?.notify_email ?? ""}
          className={inputClass}
        />
      </Field>
      <Button type="submit" disabled={busy}>
        {submitLabel}
      </Button>
    </form>
  );
}

export function AlertsPage() {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState<Alert | null>(null);
  const alerts = useQuery({
    queryKey: ["alerts"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/monitoring/alerts", { params: { query: { limit: 200 } } })),
    refetchInterval: 30_000,
  });
  const done = {
    onSuccess: async () => {
      setError(null);
      setEditing(null);
      await queryClient.invalidateQueries({ queryKey: ["alerts"] });
    },
    onError: setError,
  };
  const create = useMutation({
    mutationFn: (body: Rule) => unwrap(api.POST("/api/v1/monitoring/alerts", { body })),
    ...done,
  });
  const save = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Rule }) =>
      unwrap(
        api.PUT("/api/v1/monitoring/alerts/{alert_id}", {
          params: { path: { alert_id: id } },
          body,
        }),
      ),
    ...done,
  });
  const act = useMutation({
    mutationFn: async ({
      id,
      action,
    }: {
      id: string;
      action: "silence" | "unsilence" | "delete";
    }) => {
      const path = { params: { path: { alert_id: id } } };
      if (action === "silence")
        await unwrap(api.POST("/api/v1/monitoring/alerts/{alert_id}/silence", path));
      else if (action === "unsilence")
        await unwrap(api.POST("/api/v1/monitoring/alerts/{alert_id}/unsilence", path));
      else await send(api.DELETE("/api/v1/monitoring/alerts/{alert_id}", path));
    },
    ...done,
  });
  return (
    <Page title="Alerts">
      <ErrorAlert error={alerts.error ?? error} />
      {alerts.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Alert rules"
          rows={alerts.data ?? []}
          rowKey={(a) => a.id}
          empty="No alert rules yet."
          columns={[
            { header: "Rule", cell: (a) => a.name },
            {
              header: "Condition",
              cell: (a) => (
                <code className="text-xs">{`${a.aggregation}(${a.source}) over ${a.window_minutes} min ${a.comparator} ${a.threshold_value}`}</code>
              ),
            },
            {
              header: "State",
              cell: (a) => <StatusBadge status={a.status === "silenced" ? "silenced" : a.state} />,
            },
            { header: "Last value", cell: (a) => a.last_value ?? "—" },
            { header: "Evaluated", cell: (a) => formatDateTime(a.last_evaluated_at) },
            {
              header: "Actions",
              cell: (a) => (
                <div className="flex flex-wrap gap-2">
                  <Button variant="secondary" onClick={() => setEditing(a)}>
                    Edit <span className="sr-only">{a.name}</span>
                  </Button>
                  <Button
                    variant="secondary"
                    onClick={() =>
                      act.mutate({
                        id: a.id,
                        action: a.status === "silenced" ? "unsilence" : "silence",
                      })
                    }
                  >
                    {a.status === "silenced" ? "Unsilence" : "Silence"}
                  </Button>
                  <Confirm
                    label="Delete"
                    title={`Delete ${a.name}?`}
                    description="The rule stops being evaluated."
                    onConfirm={() => act.mutate({ id: a.id, action: "delete" })}
                  />
                </div>
              ),
            },
          ]}
        />
      )}
      {editing ? (
        <Card title={`Edit ${editing.name}`}>
          <RuleForm
            key={editing.id}
            initial={editing}
            busy={save.isPending}
            submitLabel="Save rule"
            onSubmit={(body) => save.mutate({ id: editing.id, body })}
          />
          <Button variant="secondary" className="mt-3" onClick={() => setEditing(null)}>
            Stop editing
          </Button>
        </Card>
      ) : (
        <Card title="New alert rule">
          <RuleForm
            busy={create.isPending}
            submitLabel="Create rule"
            onSubmit={(body) => create.mutate(body)}
          />
        </Card>
      )}
    </Page>
  );
}
