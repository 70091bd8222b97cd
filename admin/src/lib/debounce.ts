/**
 * Waiting for a pause: runs an action once input has stopped for a while, so that typing a
 * search sends one query rather than one per key.
 */

export interface Debounced {
  /** Runs the action after `pauseMs`, unless called again first. */
  schedule(): void;
  cancel(): void;
}

export function makeDebounced(action: () => void, pauseMs: number): Debounced {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule: () => {
      clearTimeout(timer);
      timer = setTimeout(action, pauseMs);
    },
    cancel: () => clearTimeout(timer),
  };
}
