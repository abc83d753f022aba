import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { LineSeriesChart } from "../components/charts";
import {
  Button,
  Card,
  ErrorAlert,
  Field,
  inputClass,
  Loading,
  Notice,
  Page,
  Pager,
  StatCard,
  Table,
  type Submit,
} from "../components/ui";
import { formatDateTime, localToIso, parseJsonObject, tagFilter, text } from "../format";

type EventType = Schemas["EventIn"]["event_type"];
type MetricType = Schemas["MetricIn"]["metric_type"];
const EVENT_TYPES: EventType[] = ["log", "metric", "trace", "alert"];
const METRIC_TYPES: MetricType[] = ["counter", "gauge", "histogram", "summary"];
const PAGE = 50;

export function MonitoringPage() {
  const stats = useQuery({
    queryKey: ["monitoring", "stats"],
    queryFn: () => unwrap(api.GET("/api/v1/monitoring/stats")),
    refetchInterval: 15_000,
  });
  const s = stats.data;
  return (
    <Page title="Monitoring">
      <ErrorAlert error={stats.error} />
      {stats.isPending && <Loading />}
      {s && (
        <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <StatCard label="Events" value={s.total_events} />
          <StatCard label="Events (last hour)" value={s.events_last_hour} />
          <StatCard label="Metrics" value={s.total_metrics} />
          <StatCard label="Metrics (last hour)" value={s.metrics_last_hour} />
          <StatCard label="Alert rules" value={s.active_alerts} />
          <StatCard label="Firing alerts" value={s.firing_alerts} />
          <StatCard label="Open incidents" value={s.open_incidents} />
        </div>
      )}
    </Page>
  );
}

interface EventFilters {
  event_type?: EventType;
  source?: string;
  level?: string;
  tags?: string;
  start_time?: string;
  end_time?: string;
}

export function EventsPage() {
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<EventFilters>({});
  const [offset, setOffset] = useState(0);
  const [formError, setFormError] = useState<unknown>(null);
  const [created, setCreated] = useState(false);
  const events = useQuery({
    queryKey: ["monitoring", "events", filters, offset],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/monitoring/events", {
          params: { query: { ...filters, limit: PAGE, offset } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const create = useMutation({
    mutationFn: (body: Schemas["EventIn"]) =>
      unwrap(api.POST("/api/v1/monitoring/events", { body })),
    onSuccess: async () => {
      setCreated(true);
      setFormError(null);
      await queryClient.invalidateQueries({ queryKey: ["monitoring"] });
    },
    onError: setFormError,
  });

  function applyFilters(event: Submit) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const value = (name: string) => text(f, name).trim() || undefined;
    setOffset(0);
    setFilters({
      event_type: value("event_type") as EventType | undefined,
      source: value("source"),
      level: value("level"),
      tags: tagFilter(text(f, "tags")),
      start_time: localToIso(text(f, "start_time")),
      end_time: localToIso(text(f, "end_time")),
    });
  }

  function submit(event: Submit) {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const tags = parseJsonObject(text(f, "tags"), "Tags", '{"env": "dev"}');
    if (typeof tags === "string") {
      setFormError(new Error(tags));
      return;
    }
    setCreated(false);
    create.mutate(
      {
        event_type: text(f, "event_type") as EventType,
        source: text(f, "source").trim(),
        level: text(f, "level"),
        message: text(f, "message").trim() || null,
        tags,
      },
      { onSuccess: () => form.reset() },
    );
  }

  return (
    <Page title="Events">
      <form
        onSubmit={applyFilters}
        aria-label="Filter events"
        className="grid grid-cols-1 items-end gap-3 md:grid-cols-4"
      >
        <Field label="Event type">
          <select name="event_type" defaultValue="" className={inputClass}>
            <option value="">Any type</option>
            {EVENT_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </Field>
        <Field label="Source">
          <input name="source" className={inputClass} />
        </Field>
        <Field label="Level">
          <input name="level" className={inputClass} />
        </Field>
        <Field label="Tags" hint="key:value, comma-separated (all must match)">
          <input name="tags" placeholder="env:dev,team:core" className={inputClass} />
        </Field>
        <Field label="From">
          <input name="start_time" type="datetime-local" className={inputClass} />
        </Field>
        <Field label="To">
          <input name="end_time" type="datetime-local" className={inputClass} />
        </Field>
        <Button type="submit">Apply filters</Button>
      </form>
      <ErrorAlert error={events.error} />
      {events.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Events"
          rows={events.data ?? []}
          rowKey={(e) => e.id}
          empty="No events match."
          columns={[
            { header: "When", cell: (e) => formatDateTime(e.recorded_at) },
            { header: "Type", cell: (e) => e.event_type },
            { header: "Source", cell: (e) => e.source },
            { header: "Level", cell: (e) => e.level ?? "—" },
            { header: "Message", cell: (e) => e.message ?? "—" },
            {
              header: "Tags",
              cell: (e) => <code className="text-xs break-all">{JSON.stringify(e.tags)}</code>,
            },
          ]}
        />
      )}
      <Pager offset={offset} limit={PAGE} count={events.data?.length ?? 0} onChange={setOffset} />
      <Card title="Record an event">
        <form onSubmit={submit} className="grid grid-cols-1 items-end gap-3 md:grid-cols-3">
          <Field label="Type">
            <select name="event_type" defaultValue="log" className={inputClass}>
              {EVENT_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </Field>
          <Field label="Event source">
            <input name="source" required defaultValue="dashboard" className={inputClass} />
          </Field>
          <Field label="Event level">
            <select name="level" defaultValue="info" className={inputClass}>
              {["debug", "info", "warning", "error", "critical"].map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </Field>
          <Field label="Message">
            <input name="message" className={inputClass} />
          </Field>
          <Field label="Event tags (JSON)">
            <input name="tags" defaultValue="{}" className={`${inputClass} font-mono`} />
          </Field>
          <Button type="submit" disabled={create.isPending}>
            Record event
          </Button>
        </form>
        <div className="mt-3 space-y-2">
          <ErrorAlert error={formError} />
          {created && <Notice>Event recorded.</Notice>}
        </div>
      </Card>
    </Page>
  );
}

export function MetricsPage() {
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [formError, setFormError] = useState<unknown>(null);
  const [created, setCreated] = useState(false);
  const recent = useQuery({
    queryKey: ["monitoring", "metrics", "recent"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/monitoring/metrics", { params: { query: { limit: 200 } } })),
  });
  const names = [...new Set(recent.data?.map((m) => m.name) ?? [])].sort();
  const selected = name || names[0] || "";
  const series = useQuery({
    queryKey: ["monitoring", "metrics", "series", selected],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/monitoring/metrics", {
          params: { query: { name: selected, limit: 500 } },
        }),
      ),
    enabled: selected !== "",
  });
  const prometheus = useQuery({
    queryKey: ["monitoring", "prometheus"],
    // Scrapers authenticate with their own token, not a session: no Authorization here.
    queryFn: async () => {
      const response = await fetch("/api/v1/monitoring/metrics/prometheus");
      return response.ok
        ? await response.text()
        : `Not shown: the endpoint answered HTTP ${response.status} (a scrape token is set).`;
    },
  });
  const submit = useMutation({
    mutationFn: (body: Schemas["MetricIn"]) =>
      unwrap(api.POST("/api/v1/monitoring/metrics", { body })),
    onSuccess: async (metric) => {
      setCreated(true);
      setFormError(null);
      setName(metric.name);
      await queryClient.invalidateQueries({ queryKey: ["monitoring"] });
    },
    onError: setFormError,
  });

  function send(event: Submit) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const value = Number(text(f, "value"));
    if (!Number.isFinite(value)) {
      setFormError(new Error("Value must be a number."));
      return;
    }
    setCreated(false);
    submit.mutate({
      name: text(f, "name").trim(),
      metric_type: text(f, "metric_type") as MetricType,
      value,
      labels: {},
    });
  }

  const points = [...(series.data ?? [])]
    .sort((a, b) => a.recorded_at.localeCompare(b.recorded_at))
    .map((m) => ({ at: formatDateTime(m.recorded_at), value: m.value }));
  return (
    <Page title="Metrics">
      <ErrorAlert error={recent.error ?? series.error} />
      <div className="max-w-xs">
        <Field label="Metric name">
          <select
            value={selected}
            onChange={(e) => setName(e.target.value)}
            className={inputClass}
            disabled={names.length === 0}
          >
            {names.length === 0 && <option value="">No metrics yet</option>}
            {names.map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </Field>
      </div>
      <Card title="Series">
        {selected && points.length > 0 ? (
          <LineSeriesChart
            title={`${selected} over time`}
            data={points}
            x="at"
            series={[{ key: "value", label: selected }]}
          />
        ) : (
          <p className="text-slate-600">Submit a metric to see its series.</p>
        )}
      </Card>
      <Card title="Submit a metric">
        <form onSubmit={send} className="grid grid-cols-1 items-end gap-3 md:grid-cols-4">
          <Field label="Name">
            <input name="name" required defaultValue="dashboard_demo" className={inputClass} />
          </Field>
          <Field label="Metric type">
            <select name="metric_type" defaultValue="gauge" className={inputClass}>
              {METRIC_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </Field>
          <Field label="Value">
            <input
              name="value"
              required
              inputMode="decimal"
              defaultValue="1"
              className={inputClass}
            />
          </Field>
          <Button type="submit" disabled={submit.isPending}>
            Submit metric
          </Button>
        </form>
        <div className="mt-3 space-y-2">
          <ErrorAlert error={formError} />
          {created && <Notice>Metric recorded.</Notice>}
        </div>
      </Card>
      <Card title="Prometheus preview">
        {prometheus.data === undefined ? (
          <Loading />
        ) : (
          <pre
            aria-label="Prometheus exposition"
            tabIndex={0}
            className="max-h-80 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100"
          >
            {prometheus.data || "# no metrics yet"}
          </pre>
        )}
      </Card>
    </Page>
  );
}
