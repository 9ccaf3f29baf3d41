/**
 * A run's deadline (a Lambda's remaining time): when it is too late to start a pair, and the signal
 * that stops the pairs still running in time to report them.
 */
import { DeadlineError } from '../errors.js';

/** The deadline of one run. */
export interface RunDeadline {
  /** Aborts every fetch and backoff in flight: the run's own signal, or the deadline's. */
  signal: AbortSignal | undefined;
  /** Is it too late to start a pair? */
  passed(): boolean;
  dispose(): void;
}

/**
 * No pair starts with less than `marginMs` left. Pairs already running must stop in time too: a
 * fetch may take up to the fetch timeout and its retries, longer than the time left. A third of the
 * margin before the end, every fetch and backoff still in flight is aborted (with a
 * {@link DeadlineError}), leaving time to record the pairs and return the summary before the
 * runtime kills the invocation. Without `remainingTimeMs` there is no deadline, only `parent`.
 */
export function createRunDeadline(
  remainingTimeMs: (() => number) | undefined,
  marginMs: number,
  parent: AbortSignal | undefined,
): RunDeadline {
  if (!remainingTimeMs) return { signal: parent, passed: () => Boolean(parent?.aborted), dispose() {} };
  const controller = new AbortController();
  const stopInMs = Math.max(0, remainingTimeMs() - Math.floor(marginMs / 3));
  const timer = setTimeout(() => controller.abort(new DeadlineError(true)), stopInMs);
  timer.unref?.();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    passed: () => controller.signal.aborted || remainingTimeMs() < marginMs,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}
