export { boundedFanOut } from './bounded-fan-out.ts';
export type { BoundedFanOutOptions, Settled } from './bounded-fan-out.ts';
export { DEFAULT_MAX_DELAY_MS, DEFAULT_QUIET_MS, debounceWithMaxDelay } from './debounce-with-max-delay.ts';
export { distinctByHash } from './distinct-by-hash.ts';
export { DEFAULT_RESYNC_MS, resyncTrigger } from './resync.ts';
