// The one deadline both health checks (HTTP and the MCP handshake) run under: a timeout that counts from the
// check's start and the caller's abort signal, whichever comes first.

/** setTimeout cannot wait longer than this; larger values would fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The bounded fan-out's timeout for one check: a backstop 1 s past the check's own timeout, which reports timeouts
 * precisely; the backstop only catches a check that failed to end itself.
 */
export function backstopMs(checkTimeoutMs: number): number {
  return checkTimeoutMs + 1_000;
}

/**
 * The timeout a check runs with: `timeoutMs` in whole milliseconds, at least 1 and at most what a timer can wait. Its
 * default is written once, in the schema (health.timeout); a check given none that is usable ends at once.
 */
export function checkTimeoutMs(timeoutMs: number): number {
  return timeoutMs >= 1 ? Math.min(Math.ceil(timeoutMs), MAX_TIMER_MS) : 1;
}

/**
 * Calls `expired` at `deadline` (a performance.now() instant) or `aborted` when the signal aborts (at once if it has
 * already), whichever comes first, then `then`; only one of them ever fires. Returns the function that cancels both.
 */
export function onDeadline(
  deadline: number,
  signal: AbortSignal | undefined,
  on: { expired: () => void; aborted: (signal: AbortSignal) => void; then: () => void },
): () => void {
  let timer: NodeJS.Timeout | undefined;
  const release = () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  };
  const onTimer = () => {
    // Timers may fire a hair early against performance.now(); never report a timeout before it is one.
    const remaining = deadline - performance.now();
    if (remaining > 0) {
      timer = setTimeout(onTimer, Math.ceil(remaining));
      return;
    }
    release();
    on.expired();
    on.then();
  };
  function onAbort(): void {
    release();
    if (signal) on.aborted(signal);
    on.then();
  }
  if (signal?.aborted) {
    onAbort();
    return release;
  }
  timer = setTimeout(onTimer, Math.max(0, Math.ceil(deadline - performance.now())));
  signal?.addEventListener('abort', onAbort, { once: true });
  return release;
}
