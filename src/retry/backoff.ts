export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** 0.2 spreads each delay uniformly over ±20 %, so many clients restarting together do not stay in step. */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 500, maxMs: 30_000, jitter: 0.2 };

/** Delay before retry number `attempt` (1-based): doubling from initialMs, capped at maxMs, jittered. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(Math.min(policy.maxMs, base + spread)));
}

/** A sleep that ends early, resolving false, when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sleeps `ms`, ending early when `signal` aborts or when the wake function handed to `onWake` is called (it is handed
 * undefined again once the sleep is over).
 */
export async function wakeableSleep(ms: number, signal: AbortSignal, onWake: (wake: (() => void) | undefined) => void): Promise<void> {
  const wake = new AbortController();
  const onStop = () => wake.abort();
  signal.addEventListener('abort', onStop, { once: true });
  onWake(() => wake.abort());
  try {
    await sleep(ms, wake.signal);
  } finally {
    onWake(undefined);
    signal.removeEventListener('abort', onStop);
  }
}
