/** Polls `check` until it returns a value other than undefined, or fails with `describe()` once the deadline passes. */
export async function waitFor<T>(
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs: number; intervalMs?: number; describe: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms: ${await options.describe()}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
