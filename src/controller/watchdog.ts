import { asyncScheduler, interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Reflector } from '../kube/reflector.ts';
import type { Check } from '../observe/http-server.ts';
import type { Logger } from '../observe/logger.ts';

/** What the watchdog needs of a watch. */
export type Watched = Pick<Reflector<{ metadata: { namespace: string; name: string; resourceVersion: string } }>, 'lastActivity' | 'synced' | 'description' | 'restart'>;

/**
 * Restarts a synced watch that stayed silent longer than `stallMs`: a watch can hang without an error (a dead
 * TCP connection behind a proxy), and the bookmarks the API server sends keep a healthy one talking.
 */
export function watchdog(watches: () => readonly Watched[], stallMs: number, log: Logger, scheduler: SchedulerLike = asyncScheduler): Subscription {
  return interval(Math.max(250, Math.floor(stallMs / 4)), scheduler).subscribe(() => {
    const now = scheduler.now();
    for (const w of watches()) {
      if (now - w.lastActivity > stallMs && w.synced) {
        log.warn('watch silent for too long; restarting it', { watch: w.description, silentMs: now - w.lastActivity });
        w.restart('stalled');
      }
    }
  });
}

/** Liveness: fails when a watch stayed silent through the watchdog's restart and as long again. */
export function watchesAlive(watches: readonly Watched[], stallMs: number, now = Date.now()): Check {
  const limit = 2 * stallMs;
  const stalled = watches.filter((w) => now - w.lastActivity > limit);
  return stalled.length === 0
    ? { ok: true }
    : { ok: false, reason: `watch stalled for more than ${limit / 1000}s: ${stalled.map((w) => w.description).join('; ')}` };
}
