import { defer, filter } from 'rxjs';
import type { OperatorFunction } from 'rxjs';

/**
 * Drops a value whose hash equals that of the last value let through, so that an unchanged desired state is not
 * written again. `initial` gives the hash of what is already live: it is read at each subscription, not when the
 * pipeline is built, because a restarted pipeline must compare with what was applied meanwhile. Hashing is the
 * caller's choice, which keeps this operator free of any crypto or serialisation.
 */
export function distinctByHash<T>(hash: (value: T) => string, initial?: () => string | undefined): OperatorFunction<T, T> {
  return (source) =>
    defer(() => {
      let last = initial?.();
      return source.pipe(
        filter((value) => {
          const current = hash(value);
          if (current === last) return false;
          last = current;
          return true;
        }),
      );
    });
}
