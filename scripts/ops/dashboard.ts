import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const DASHBOARD_FILE = join(resolve(__dirname, '..', '..'), 'ops', 'grafana', 'fraud-service.json');

/** Every query goes through the dashboard's own data source variable, so an import picks one. */
const DATASOURCE = '${datasource}';
const datasourceSchema = z.object({ type: z.literal('prometheus'), uid: z.literal(DATASOURCE) });

const targetSchema = z.object({
  refId: z.string().min(1),
  datasource: datasourceSchema,
  expr: z.string().min(1),
  legendFormat: z.string().optional(),
  format: z.enum(['time_series', 'table', 'heatmap']).optional(),
  instant: z.boolean().optional(),
  range: z.boolean().optional(),
});

const GRID_COLUMNS = 24;
const gridPosSchema = z
  .object({ x: z.int().min(0), y: z.int().min(0), w: z.int().min(1), h: z.int().min(1) })
  .refine((g) => g.x + g.w <= GRID_COLUMNS, { message: `a panel ends past column ${String(GRID_COLUMNS)}` });

const panelSchema = z.object({
  id: z.int().positive(),
  type: z.enum(['timeseries', 'heatmap', 'table', 'stat', 'gauge', 'bargauge']),
  title: z.string().min(1),
  description: z.string().min(1),
  datasource: datasourceSchema,
  gridPos: gridPosSchema,
  targets: z.array(targetSchema).min(1),
});

const variableSchema = z.object({ name: z.string().min(1), type: z.string(), query: z.unknown(), allValue: z.string().optional() });

export const dashboardSchema = z.object({
  uid: z.string().min(1),
  title: z.string().min(1),
  // 41: Grafana 12; later versions migrate it on load.
  schemaVersion: z.int().min(39),
  panels: z.array(panelSchema).min(1),
  templating: z.object({ list: z.array(variableSchema) }),
});
export type Dashboard = z.infer<typeof dashboardSchema>;

export function loadDashboard(path = DASHBOARD_FILE): Dashboard {
  return dashboardSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** Grafana's own variables a Prometheus query may use. */
const BUILT_INS = ['__rate_interval', '__interval', '__range'];
const VARIABLE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)/g;

/** What the schema cannot say: ids, refIds, overlaps, the datasource variable, unknown variables. */
export function dashboardProblems(dashboard: Dashboard): string[] {
  const problems: string[] = [];
  const ids = dashboard.panels.map((p) => p.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) problems.push(`panel id ${String(id)} is used twice`);
  const datasource = dashboard.templating.list.find((v) => v.name === 'datasource');
  if (datasource?.type !== 'datasource' || datasource.query !== 'prometheus') problems.push('no `datasource` variable of type datasource for prometheus');
  const known = new Set([...dashboard.templating.list.map((v) => v.name), ...BUILT_INS]);
  for (const panel of dashboard.panels) {
    const refIds = panel.targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length) problems.push(`"${panel.title}" repeats a refId`);
    for (const target of panel.targets) {
      for (const name of variablesIn(target.expr)) if (!known.has(name)) problems.push(`"${panel.title}" ${target.refId} uses undefined variable $${name}`);
    }
  }
  dashboard.panels.forEach((a, i) => {
    for (const b of dashboard.panels.slice(i + 1)) if (overlap(a.gridPos, b.gridPos)) problems.push(`"${a.title}" and "${b.title}" overlap`);
  });
  return problems;
}

export interface PanelQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

export function panelQueries(dashboard: Dashboard): PanelQuery[] {
  return dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })));
}

export interface LabelValuesQuery {
  readonly variable: string;
  readonly label: string;
  readonly match: string;
}

const LABEL_VALUES = /^label_values\((.+),\s*(\w+)\)$/;
const variableQuerySchema = z.object({ query: z.string() });

/** The dashboard's query variables, each a `label_values(selector, label)` Grafana asks Prometheus. */
export function variableQueries(dashboard: Dashboard): LabelValuesQuery[] {
  return dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const { query } = variableQuerySchema.parse(v.query);
      const m = LABEL_VALUES.exec(query);
      if (m === null) throw new Error(`variable ${v.name}: ${query} is not label_values(selector, label)`);
      return { variable: v.name, match: m[1] ?? '', label: m[2] ?? '' };
    });
}

/** The query as Grafana would send it with these variable values; an unknown variable throws. */
export function substitute(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`no value for ${match} in ${expr}`);
    return value;
  });
}

function variablesIn(expr: string): string[] {
  return [...expr.matchAll(VARIABLE)].map((m) => m[1] ?? m[2] ?? '');
}

function overlap(a: Dashboard['panels'][number]['gridPos'], b: Dashboard['panels'][number]['gridPos']): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}
