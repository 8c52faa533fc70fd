import type { Metrics } from '../../src/observe/metrics.ts';
import { waitFor } from '../../tools/control-plane/wait.ts';

/** Sum of a metric's samples whose labels include `labels` (a counter's value across the other labels). */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    // Histograms list _bucket/_sum/_count samples under their own metricName; counters and gauges have none.
    .filter((v) => {
      const sample = (v as { metricName?: string }).metricName;
      return sample === undefined || sample === name;
    })
    .filter((v) => Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Polls a metric until `reached` holds, then returns its value. The operator counts an event after the API request
 * the test can observe (a write, a refused watch), so reading the counter right after seeing the request races it.
 */
export async function metricReaching(
  metrics: Metrics, name: string, labels: Record<string, string>, reached: (value: number) => boolean, timeoutMs = 10_000,
): Promise<number> {
  let last = Number.NaN;
  return waitFor(async () => {
    last = await metricValue(metrics, name, labels);
    return reached(last) ? last : undefined;
  }, { timeoutMs, describe: () => `${name}${JSON.stringify(labels)} to reach the expected value (last ${last})` });
}
