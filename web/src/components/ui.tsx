import { cloneElement, useEffect, useId, type ReactNode } from "react";
import { ApiError } from "../api/client";

/** A form's submit event. */
export type Submit = React.SyntheticEvent<HTMLFormElement>;

/** Every page: one h1, and the document title to match. */
export function Page({
  title,
  actions,
  children,
}: {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    document.title = `${title} · Serverless Starter`;
  }, [title]);
  return (
    <section className="space-y-6">
      <header className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">{title}</h1>
        {actions && <div className="flex gap-2">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Card({ title, children }: { title?: string; children: ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      {title && <h2 className="mb-3 text-lg font-medium">{title}</h2>}
      {children}
    </div>
  );
}

/** One term of a record's description list (`<dl>`). */
export function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt className="font-medium text-slate-600">{term}</dt>
      <dd className="break-all">{children}</dd>
    </div>
  );
}

export function StatCard({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold">{value}</p>
    </div>
  );
}

/** A failed call or form, announced to screen readers. */
export function ErrorAlert({ error }: { error: unknown }) {
  if (!error) return null;
  const message =
    error instanceof Error
      ? error.message
      : typeof error === "string"
        ? error
        : "Something went wrong.";
  const details = error instanceof ApiError ? fieldErrors(error.details) : [];
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800"
    >
      <p>{message}</p>
      {details.length > 0 && (
        <ul className="mt-1 list-disc pl-5">
          {details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function fieldErrors(details: unknown): string[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    if (typeof d !== "object" || d === null) return [];
    const { field, message } = d as { field?: unknown; message?: unknown };
    return typeof message === "string"
      ? [typeof field === "string" ? `${field}: ${message}` : message]
      : [];
  });
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p
      role="status"
      className="rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-900"
    >
      {children}
    </p>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p role="status" className="text-slate-600">
      {what}…
    </p>
  );
}

const buttonStyles = {
  primary: "bg-indigo-700 text-white hover:bg-indigo-800",
  secondary: "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100",
  danger: "bg-red-700 text-white hover:bg-red-800",
};

export function Button({
  variant = "primary",
  className = "",
  ...props
}: React.ButtonHTMLAttributes<HTMLButtonElement> & { variant?: keyof typeof buttonStyles }) {
  return (
    <button
      type="button"
      className={`rounded-md px-3 py-1.5 text-sm font-medium disabled:opacity-60 ${buttonStyles[variant]} ${className}`}
      {...props}
    />
  );
}

export const inputClass =
  "mt-1 block w-full rounded-md border border-slate-400 bg-white px-2 py-1.5 text-sm focus:border-indigo-600 focus:outline-none focus:ring-1 focus:ring-indigo-600";

/** A labelled control, tied by id: its accessible name is exactly the label (a wrapping label
 * would also take in a select's option texts); a hint is tied as its description. */
export function Field({
  label,
  children,
  hint,
}: {
  label: string;
  children: React.ReactElement<{ id?: string; "aria-describedby"?: string }>;
  hint?: string;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {cloneElement(children, { id, ...(hint && { "aria-describedby": hintId }) })}
      {hint && (
        <p id={hintId} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      )}
    </div>
  );
}

export function Badge({ children, tone = "slate" }: { children: ReactNode; tone?: Tone }) {
  return (
    <span className={`inline-block rounded px-2 py-0.5 text-xs font-medium ${tones[tone]}`}>
      {children}
    </span>
  );
}

type Tone = "slate" | "green" | "red" | "amber" | "blue";
const tones: Record<Tone, string> = {
  slate: "bg-slate-200 text-slate-800",
  green: "bg-emerald-100 text-emerald-900",
  red: "bg-red-100 text-red-900",
  amber: "bg-amber-100 text-amber-900",
  blue: "bg-sky-100 text-sky-900",
};

export function statusTone(status: string): Tone {
  if (["completed", "healthy", "resolved", "closed", "ok", "success", "inactive"].includes(status))
    return "green";
  if (["failed", "unhealthy", "firing", "critical", "open", "error"].includes(status)) return "red";
  if (["retrying", "pending", "investigating", "warning", "high", "silenced"].includes(status))
    return "amber";
  if (status === "running") return "blue";
  return "slate";
}

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={statusTone(status)}>{status}</Badge>;
}

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
}

export function Table<T>({
  rows,
  columns,
  rowKey,
  empty = "Nothing here yet.",
  caption,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty?: string;
  caption: string;
}) {
  if (rows.length === 0) return <p className="text-slate-600">{empty}</p>;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="bg-slate-100 text-left">
          <tr>
            {columns.map((c) => (
              <th key={c.header} scope="col" className="px-3 py-2 font-medium">
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={rowKey(row)}>
              {columns.map((c) => (
                <td key={c.header} className="px-3 py-2 align-top">
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Offset paging over lists that return at most `limit` rows (no total count). */
export function Pager({
  offset,
  limit,
  count,
  onChange,
}: {
  offset: number;
  limit: number;
  count: number;
  onChange: (offset: number) => void;
}) {
  return (
    <nav aria-label="Pagination" className="flex items-center gap-3 text-sm">
      <Button
        variant="secondary"
        disabled={offset === 0}
        onClick={() => onChange(Math.max(0, offset - limit))}
      >
        Previous
      </Button>
      <span>{count === 0 ? "No rows" : `Rows ${offset + 1}–${offset + count}`}</span>
      <Button variant="secondary" disabled={count < limit} onClick={() => onChange(offset + limit)}>
        Next
      </Button>
    </nav>
  );
}

export function Json({ value, label }: { value: unknown; label: string }) {
  return (
    <pre
      aria-label={label}
      className="max-h-80 overflow-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100"
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}
