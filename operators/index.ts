export { boundedFanOut } from './bounded-fan-out.ts';
export type { BoundedFanOutOptions, FairOrder, Settled } from './bounded-fan-out.ts';
export { debounceWithMaxDelay } from './debounce-with-max-delay.ts';
export type { DebounceOptions } from './debounce-with-max-delay.ts';
export { oneAtATime } from './one-at-a-time.ts';
export { every } from './every.ts';
export { retryWithBackoff } from './retry-with-backoff.ts';
export type { RetryWithBackoffOptions } from './retry-with-backoff.ts';
