import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

const COLORS = ["#4338ca", "#047857", "#b91c1c", "#b45309", "#0369a1"];

export interface Series {
  key: string;
  label: string;
}

interface ChartProps<T> {
  title: string;
  data: T[];
  x: string;
  series: Series[];
  stacked?: boolean;
}

/** A chart with a text title; the numbers are also in the page's tables or cards. Animations
 * are off: data that refreshes should not replay them (and bars started from zero height). */
function Figure({ title, children }: { title: string; children: React.ReactElement }) {
  return (
    <figure className="h-72 w-full">
      <figcaption className="mb-2 text-sm font-medium text-slate-700">{title}</figcaption>
      <ResponsiveContainer width="100%" height="90%">
        {children}
      </ResponsiveContainer>
    </figure>
  );
}

export function BarSeriesChart<T extends object>({
  title,
  data,
  x,
  series,
  stacked,
}: ChartProps<T>) {
  return (
    <Figure title={title}>
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey={x} />
        <YAxis allowDecimals={false} />
        <Tooltip />
        <Legend />
        {series.map((s, i) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            fill={COLORS[i % COLORS.length]}
            stackId={stacked ? "all" : undefined}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </Figure>
  );
}

export function LineSeriesChart<T extends object>({ title, data, x, series }: ChartProps<T>) {
  return (
    <Figure title={title}>
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey={x} />
        <YAxis />
        <Tooltip />
        <Legend />
        {series.map((s, i) => (
          <Line
            key={s.key}
            dataKey={s.key}
            name={s.label}
            stroke={COLORS[i % COLORS.length]}
            dot={data.length < 2} // a lone point has no line to draw
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </Figure>
  );
}
