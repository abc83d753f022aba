import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { BarSeriesChart, LineSeriesChart } from "../components/charts";
import { Card, ErrorAlert, Field, inputClass, Loading, Page, StatCard } from "../components/ui";

const SPANS = [7, 30, 90] as const;

export function AnalyticsPage() {
  const [days, setDays] = useState<number>(30);
  const stats = useQuery({
    queryKey: ["users", "stats"],
    queryFn: () => unwrap(api.GET("/api/v1/admin/users/stats")),
  });
  const registrations = useQuery({
    queryKey: ["users", "registrations", days],
    queryFn: () =>
      unwrap(api.GET("/api/v1/admin/users/registrations", { params: { query: { days } } })),
  });
  const tasks = useQuery({
    queryKey: ["tasks", "daily", days],
    queryFn: () => unwrap(api.GET("/api/v1/tasks/stats/daily", { params: { query: { days } } })),
  });
  const s = stats.data;
  return (
    <Page title="Analytics">
      <ErrorAlert error={stats.error ?? registrations.error ?? tasks.error} />
      {s && (
        <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <StatCard label="Users" value={s.total_users} />
          <StatCard label="Active" value={s.active_users} />
          <StatCard label="Email verified" value={s.email_verified} />
          <StatCard label="New in 7 days" value={s.recent_registrations.last_7d} />
        </div>
      )}
      <div className="max-w-xs">
        <Field label="Period">
          <select
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            className={inputClass}
          >
            {SPANS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </Field>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Users by role">
          {s ? (
            <BarSeriesChart
              title="Active users per role"
              data={(["user", "moderator", "admin"] as const).map((group) => ({
                // Not `role`: recharts copies data keys onto its SVG elements (an invalid ARIA role).
                group,
                count: s.by_role[group],
              }))}
              x="group"
              series={[{ key: "count", label: "Users" }]}
            />
          ) : (
            <Loading />
          )}
        </Card>
        <Card title="Registrations">
          {registrations.data ? (
            <LineSeriesChart
              title="Accounts created per day (UTC)"
              data={registrations.data}
              x="day"
              series={[{ key: "count", label: "Registrations" }]}
            />
          ) : (
            <Loading />
          )}
        </Card>
      </div>
      <Card title="Tasks over time">
        {tasks.data ? (
          <BarSeriesChart
            title="Tasks per day (UTC)"
            data={tasks.data}
            x="day"
            series={[
              { key: "created", label: "Created" },
              { key: "completed", label: "Completed" },
              { key: "failed", label: "Failed" },
            ]}
          />
        ) : (
          <Loading />
        )}
      </Card>
    </Page>
  );
}
