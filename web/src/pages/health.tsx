import { useQuery } from "@tanstack/react-query";
import { api, toApiError, type Schemas } from "../api/client";
import { formatDateTime } from "../format";
import { Card, ErrorAlert, Loading, Page, StatusBadge, Table } from "../components/ui";

type Health = Schemas["DetailedHealth"];

/** A probe's body: its 503 carries the same envelope as its 200, so both are results. */
async function probe<T>(
  call: Promise<{ data?: { data: T }; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await call;
  if (data) return data.data;
  const body = error as { data?: T } | undefined;
  if (response.status === 503 && body?.data) return body.data;
  throw toApiError(response.status, error);
}

export const healthQuery = {
  queryKey: ["health", "detailed"],
  queryFn: () => probe<Health>(api.GET("/api/v1/health/detailed")),
  refetchInterval: 30_000,
};

interface Check {
  name: string;
  status: string;
  detail: string;
}

export function checksOf(health: Health): Check[] {
  return Object.entries(health.checks).map(([name, check]) => {
    const details = check.details ? JSON.stringify(check.details) : "";
    return {
      name,
      status: check.status,
      detail: [check.message, details].filter(Boolean).join(" "),
    };
  });
}

export function ChecksTable({ health }: { health: Health }) {
  return (
    <Table
      caption="Dependency checks"
      rows={checksOf(health)}
      rowKey={(c) => c.name}
      columns={[
        { header: "Check", cell: (c) => c.name },
        { header: "Status", cell: (c) => <StatusBadge status={c.status} /> },
        { header: "Detail", cell: (c) => <span className="break-all">{c.detail || "—"}</span> },
      ]}
    />
  );
}

const PROBES = [
  ["Basic", "/api/v1/health"],
  ["Liveness", "/api/v1/health/live"],
  ["Readiness", "/api/v1/health/ready"],
  ["Startup", "/api/v1/health/startup"],
] as const;

export function HealthPage() {
  const detailed = useQuery({
    queryKey: ["health", "admin"],
    queryFn: () => probe<Health>(api.GET("/api/v1/admin/health")),
    refetchInterval: 30_000,
  });
  const probes = useQuery({
    queryKey: ["health", "probes"],
    queryFn: () =>
      Promise.all(
        PROBES.map(async ([name, path]) => {
          const response = await fetch(path);
          const body = (await response.json()) as { data?: { status?: string } };
          return {
            name,
            path,
            http: response.status,
            status: body.data?.status ?? (response.ok ? "healthy" : "unhealthy"),
          };
        }),
      ),
    refetchInterval: 30_000,
  });
  return (
    <Page title="Health">
      <Card title="Dependencies (with error details)">
        {detailed.isPending && <Loading />}
        <ErrorAlert error={detailed.error} />
        {detailed.data && (
          <div className="space-y-3">
            <p>
              Overall: <StatusBadge status={detailed.data.status} /> at{" "}
              {formatDateTime(detailed.data.timestamp)}
            </p>
            <ChecksTable health={detailed.data} />
          </div>
        )}
      </Card>
      <Card title="Probes">
        {probes.isPending && <Loading />}
        <ErrorAlert error={probes.error} />
        {probes.data && (
          <Table
            caption="Health probes"
            rows={probes.data}
            rowKey={(p) => p.path}
            columns={[
              { header: "Probe", cell: (p) => p.name },
              { header: "Path", cell: (p) => <code>{p.path}</code> },
              { header: "HTTP", cell: (p) => p.http },
              { header: "Status", cell: (p) => <StatusBadge status={p.status} /> },
            ]}
          />
        )}
      </Card>
    </Page>
  );
}
