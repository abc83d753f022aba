import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api/client";
import { formatDateTime, formatDuration, formatPercent } from "../format";
import { Card, ErrorAlert, Loading, Page, StatCard, StatusBadge, Table } from "../components/ui";
import { ChecksTable, healthQuery } from "./health";

export function OverviewPage() {
  const stats = useQuery({
    queryKey: ["tasks", "stats"],
    queryFn: () => unwrap(api.GET("/api/v1/tasks/stats")),
    refetchInterval: 10_000,
  });
  const monitoring = useQuery({
    queryKey: ["monitoring", "stats"],
    queryFn: () => unwrap(api.GET("/api/v1/monitoring/stats")),
  });
  const health = useQuery(healthQuery);
  const recent = useQuery({
    queryKey: ["monitoring", "events", "recent"],
    queryFn: () =>
      unwrap(api.GET("/api/v1/monitoring/events", { params: { query: { limit: 10 } } })),
    refetchInterval: 10_000,
  });
  const s = stats.data;
  return (
    <Page title="Overview">
      <ErrorAlert error={stats.error ?? monitoring.error} />
      {stats.isPending && <Loading what="Loading task statistics" />}
      {s && (
        <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <StatCard label="Tasks" value={s.total} />
          <StatCard label="Pending" value={s.pending + s.retrying} />
          <StatCard label="Running" value={s.running} />
          <StatCard label="Completed" value={s.completed} />
          <StatCard label="Failed" value={s.failed} />
          <StatCard label="Success rate" value={formatPercent(s.success_rate)} />
          <StatCard label="Queue lag" value={formatDuration(s.queue_lag_seconds * 1000)} />
          <StatCard label="p95 duration" value={formatDuration(s.p95_duration_ms)} />
        </div>
      )}
      {monitoring.data && (
        <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <StatCard label="Events (last hour)" value={monitoring.data.events_last_hour} />
          <StatCard label="Firing alerts" value={monitoring.data.firing_alerts} />
          <StatCard label="Open incidents" value={monitoring.data.open_incidents} />
          <StatCard label="Metrics (last hour)" value={monitoring.data.metrics_last_hour} />
        </div>
      )}
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Health">
          <ErrorAlert error={health.error} />
          {health.data && (
            <div className="space-y-2">
              <p>
                <StatusBadge status={health.data.status} />{" "}
                <Link to="/admin/health" className="text-indigo-800 underline">
                  All probes
                </Link>
              </p>
              <ChecksTable health={health.data} />
            </div>
          )}
        </Card>
        <Card title="Recent activity">
          <ErrorAlert error={recent.error} />
          {recent.data && (
            <Table
              caption="Recent events"
              rows={recent.data}
              rowKey={(e) => e.id}
              empty="No events yet."
              columns={[
                { header: "When", cell: (e) => formatDateTime(e.recorded_at) },
                { header: "Source", cell: (e) => e.source },
                { header: "Message", cell: (e) => e.message ?? e.event_type },
              ]}
            />
          )}
        </Card>
      </div>
    </Page>
  );
}
