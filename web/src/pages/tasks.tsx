import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../api/client";
import { Confirm } from "../components/confirm";
import {
  Button,
  Card,
  Detail,
  ErrorAlert,
  Field,
  inputClass,
  Json,
  Loading,
  Page,
  Pager,
  StatusBadge,
  Table,
  type Column,
  type Submit,
} from "../components/ui";
import { formatDateTime, formatDuration, formatJson, parseJson } from "../format";
import { isFinal, PRIORITIES, TASK_STATUSES, taskActions, type TaskStatus } from "./task-rules";

type Task = Schemas["TaskOut"];
type Priority = (typeof PRIORITIES)[number];
const PAGE = 25;

const typesQuery = {
  queryKey: ["tasks", "types"],
  queryFn: () => unwrap(api.GET("/api/v1/tasks/types")),
  staleTime: 5 * 60_000,
};

/** Cancel, retry and delete, each offered only where the state machine allows it. */
function TaskActions({
  task,
  onDone,
}: {
  task: Pick<Task, "id" | "status" | "task_type">;
  onDone?: () => void;
}) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const run = useMutation({
    mutationFn: async (action: "cancel" | "retry" | "delete") => {
      const path = { params: { path: { task_id: task.id } } };
      if (action === "cancel") await unwrap(api.POST("/api/v1/tasks/{task_id}/cancel", path));
      else if (action === "retry") await unwrap(api.POST("/api/v1/tasks/{task_id}/retry", path));
      else await unwrap(api.DELETE("/api/v1/tasks/{task_id}", path));
    },
    onSuccess: async () => {
      setError(null);
      await queryClient.invalidateQueries({ queryKey: ["tasks"] });
      onDone?.();
    },
    onError: setError,
  });
  const allowed = taskActions(task.status);
  return (
    <div className="flex flex-wrap gap-2">
      {allowed.retry && (
        <Button variant="secondary" disabled={run.isPending} onClick={() => run.mutate("retry")}>
          Retry
        </Button>
      )}
      {allowed.cancel && (
        <Confirm
          label="Cancel"
          confirmLabel="Cancel task"
          title="Cancel this task?"
          description={`The ${task.task_type} task will not run.`}
          onConfirm={() => run.mutate("cancel")}
        />
      )}
      {allowed.remove && (
        <Confirm
          label="Delete"
          title="Delete this task?"
          description="Its payload, result and attempt history are removed for good."
          onConfirm={() => run.mutate("delete")}
        />
      )}
      <ErrorAlert error={error} />
    </div>
  );
}

const columns: Column<Task>[] = [
  {
    header: "Task",
    cell: (t) => (
      <Link
        to="/admin/tasks/$taskId"
        params={{ taskId: t.id }}
        className="text-indigo-800 underline"
      >
        {t.task_type} <span className="sr-only">{t.id}</span>
        <span aria-hidden className="text-xs text-slate-600">
          {" "}
          {t.id.slice(0, 8)}
        </span>
      </Link>
    ),
  },
  { header: "Status", cell: (t) => <StatusBadge status={t.status} /> },
  { header: "Priority", cell: (t) => t.priority },
  { header: "Attempts", cell: (t) => `${t.current_attempt}/${t.max_attempts}` },
  { header: "Created", cell: (t) => formatDateTime(t.created_at) },
  { header: "Actions", cell: (t) => <TaskActions task={t} /> },
];

export function TasksPage() {
  const types = useQuery(typesQuery);
  const [status, setStatus] = useState<TaskStatus | "">("");
  const [taskType, setTaskType] = useState("");
  const [priority, setPriority] = useState<Priority | "">("");
  const [offset, setOffset] = useState(0);
  const query = {
    limit: PAGE,
    offset,
    ...(status && { status }),
    ...(taskType && { task_type: taskType }),
    ...(priority && { priority }),
  };
  const tasks = useQuery({
    queryKey: ["tasks", "list", query],
    queryFn: () => unwrap(api.GET("/api/v1/tasks", { params: { query } })),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const filter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setOffset(0);
    };
  return (
    <Page
      title="Tasks"
      actions={
        <Link
          to="/admin/tasks/new"
          className="rounded-md bg-indigo-700 px-3 py-1.5 text-sm font-medium text-white"
        >
          New task
        </Link>
      }
    >
      <form className="grid grid-cols-1 gap-3 sm:grid-cols-3" onSubmit={(e) => e.preventDefault()}>
        <Field label="Status">
          <select
            value={status}
            onChange={(e) => filter(setStatus)(e.target.value as TaskStatus | "")}
            className={inputClass}
          >
            <option value="">Any status</option>
            {TASK_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </Field>
        <Field label="Type">
          <select
            value={taskType}
            onChange={(e) => filter(setTaskType)(e.target.value)}
            className={inputClass}
          >
            <option value="">Any type</option>
            {types.data?.map((t) => (
              <option key={t.task_type}>{t.task_type}</option>
            ))}
          </select>
        </Field>
        <Field label="Priority">
          <select
            value={priority}
            onChange={(e) => filter(setPriority)(e.target.value as Priority | "")}
            className={inputClass}
          >
            <option value="">Any priority</option>
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </Field>
      </form>
      <ErrorAlert error={tasks.error} />
      {tasks.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Tasks"
          rows={tasks.data ?? []}
          columns={columns}
          rowKey={(t) => t.id}
          empty="No tasks match."
        />
      )}
      <Pager offset={offset} limit={PAGE} count={tasks.data?.length ?? 0} onChange={setOffset} />
    </Page>
  );
}

export function DeadLetterPage() {
  const [offset, setOffset] = useState(0);
  const tasks = useQuery({
    queryKey: ["tasks", "dead-letter", offset],
    queryFn: () =>
      unwrap(api.GET("/api/v1/tasks/dead-letter", { params: { query: { limit: PAGE, offset } } })),
    placeholderData: keepPreviousData,
  });
  return (
    <Page title="Dead letter">
      <p className="text-slate-700">
        Tasks that failed every attempt. Retry one once its cause is fixed.
      </p>
      <ErrorAlert error={tasks.error} />
      {tasks.isPending ? (
        <Loading />
      ) : (
        <Table
          caption="Failed tasks"
          rows={tasks.data ?? []}
          rowKey={(t) => t.id}
          empty="No failed tasks."
          columns={[
            ...columns.slice(0, 4),
            { header: "Last error", cell: (t) => t.last_error ?? "—" },
            columns[5] as Column<Task>,
          ]}
        />
      )}
      <Pager offset={offset} limit={PAGE} count={tasks.data?.length ?? 0} onChange={setOffset} />
    </Page>
  );
}

export function NewTaskPage() {
  const types = useQuery(typesQuery);
  const navigate = useNavigate();
  const [chosen, setChosen] = useState<string | null>(null);
  const [payload, setPayload] = useState<string | null>(null);
  const [priority, setPriority] = useState<Priority>("normal");
  const [error, setError] = useState<unknown>(null);
  const taskType = chosen ?? types.data?.[0]?.task_type ?? "";
  const example = types.data?.find((t) => t.task_type === taskType)?.example_payload ?? {};
  const text = payload ?? formatJson(example);

  const create = useMutation({
    mutationFn: (value: unknown) =>
      unwrap(
        api.POST("/api/v1/tasks", {
          body: {
            task_type: taskType as Schemas["CreateTask"]["task_type"],
            payload: value,
            priority,
          },
        }),
      ),
    onSuccess: (task) => navigate({ to: "/admin/tasks/$taskId", params: { taskId: task.id } }),
    onError: setError,
  });

  function submit(event: Submit) {
    event.preventDefault();
    const parsed = parseJson(text, "Payload");
    if (!parsed.ok) {
      setError(new Error(parsed.message));
      return;
    }
    setError(null);
    create.mutate(parsed.value);
  }

  return (
    <Page title="New task">
      <ErrorAlert error={types.error} />
      <form onSubmit={submit} className="max-w-2xl space-y-4">
        <ErrorAlert error={error} />
        <Field
          label="Task type"
          hint={types.data?.find((t) => t.task_type === taskType)?.description ?? undefined}
        >
          <select
            value={taskType}
            onChange={(e) => {
              setChosen(e.target.value);
              setPayload(null); // the new type's example
            }}
            className={inputClass}
            disabled={!types.data}
          >
            {types.data?.map((t) => (
              <option key={t.task_type}>{t.task_type}</option>
            ))}
          </select>
        </Field>
        <Field label="Payload">
          <textarea
            value={text}
            onChange={(e) => setPayload(e.target.value)}
            rows={10}
            spellCheck={false}
            className={`${inputClass} font-mono`}
          />
        </Field>
        <Field label="Priority">
          <select
            value={priority}
            onChange={(e) => setPriority(e.target.value as Priority)}
            className={inputClass}
          >
            {PRIORITIES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </Field>
        <Button type="submit" disabled={create.isPending || !taskType}>
          Create task
        </Button>
      </form>
    </Page>
  );
}

export function TaskPage() {
  const { taskId } = useParams({ from: "/admin/tasks/$taskId" });
  const navigate = useNavigate();
  const task = useQuery({
    queryKey: ["tasks", "detail", taskId],
    queryFn: () =>
      unwrap(api.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: taskId } } })),
    // Live status until the task can no longer change.
    refetchInterval: (q) => (isFinal(q.state.data?.status) ? false : 1_000),
  });
  const t = task.data;
  return (
    <Page title="Task">
      <ErrorAlert error={task.error} />
      {task.isPending && <Loading />}
      {t && (
        <>
          <Card>
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
              <Detail term="ID">{t.id}</Detail>
              <Detail term="Type">{t.task_type}</Detail>
              <Detail term="Status">
                <span aria-live="polite" data-testid="task-status">
                  <StatusBadge status={t.status} />
                </span>
              </Detail>
              <Detail term="Priority">{t.priority}</Detail>
              <Detail term="Attempts">{`${t.current_attempt} of ${t.max_attempts}`}</Detail>
              <Detail term="Created">{formatDateTime(t.created_at)}</Detail>
              <Detail term="Started">{formatDateTime(t.started_at)}</Detail>
              <Detail term="Finished">{formatDateTime(t.completed_at)}</Detail>
              {t.last_error && <Detail term="Last error">{t.last_error}</Detail>}
            </dl>
            <div className="mt-4">
              <TaskActions task={t} onDone={() => void navigate({ to: "/admin/tasks" })} />
            </div>
          </Card>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Payload">
              <Json label="Payload" value={t.payload} />
            </Card>
            <Card title="Result">
              {t.result === null || t.result === undefined ? (
                <p className="text-slate-600">No result yet.</p>
              ) : (
                <Json label="Result" value={t.result} />
              )}
            </Card>
          </div>
          <Card title="Attempts">
            <Table
              caption="Attempt history"
              rows={t.attempts}
              rowKey={(a) => String(a.attempt)}
              empty="Not attempted yet."
              columns={[
                { header: "Attempt", cell: (a) => a.attempt },
                { header: "Outcome", cell: (a) => <StatusBadge status={a.outcome} /> },
                { header: "Started", cell: (a) => formatDateTime(a.started_at) },
                { header: "Duration", cell: (a) => formatDuration(a.duration_ms) },
                { header: "Error", cell: (a) => a.error ?? "—" },
              ]}
            />
          </Card>
        </>
      )}
    </Page>
  );
}
