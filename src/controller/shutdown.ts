import { sleep } from '../retry/backoff.ts';

/** Of the shutdown timeout: most for an in-flight write, a little for queued Events, the rest for the Lease and HTTP. */
export function shutdownBudget(timeoutMs: number): { reconcileMs: number; eventsMs: number } {
  return { reconcileMs: Math.floor(timeoutMs * 0.6), eventsMs: Math.floor(timeoutMs * 0.1) };
}

/** Waits for `work` at most `ms`; true when it finished in time. Leaves no timer behind either way. */
export async function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const done = await Promise.race([work.then(() => true, () => true), sleep(ms, timer.signal).then(() => false)]);
  timer.abort();
  return done;
}
