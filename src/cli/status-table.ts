import type { StatusSnapshot } from '../controller/status-snapshot.ts';

/** Columns wider than this are cut, except the last (the detail), which keeps its whole text. */
const MAX_CELL = 60;

/**
 * The operator's decision about every Service as a table, the way `kubectl get` prints one: SERVICE, VERDICT,
 * TOOLSET, REASON, LAST CHECK and DETAIL; `wide` adds TYPE, ENDPOINT and FAILURES.
 */
export function statusTable(status: Pick<StatusSnapshot, 'services'>, wide = false): string {
  const header = ['SERVICE', 'VERDICT', 'TOOLSET', 'REASON', 'LAST CHECK', ...(wide ? ['TYPE', 'ENDPOINT', 'FAILURES'] : []), 'DETAIL'];
  const rows = status.services.map((s) => [
    `${s.namespace}/${s.name}`, s.verdict, s.toolset ?? '-', s.reason, s.lastCheck ?? '-',
    ...(wide ? [s.type ?? '-', s.endpoint ?? '-', String(s.consecutiveFailures ?? 0)] : []), s.message,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(MAX_CELL, (r[i] ?? '').length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.slice(0, MAX_CELL).padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
