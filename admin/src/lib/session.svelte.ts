/**
 * Who is signed in, as the API last said (`viewer`), and why the person was last sent back to
 * the sign-in form. The session itself is an HttpOnly cookie the page cannot read; what the
 * admin keeps is the viewer, and with it the CSRF token, in memory only, so a reload asks the
 * API again. Nothing is written to the browser's storage.
 *
 * Deliberately not handled here: talking to the API (viewer.ts does) and deciding which screens
 * a permission opens (screens.ts does).
 */
import type { ViewerFieldsFragment } from '$lib/gql/graphql';

export type Viewer = ViewerFieldsFragment;

/**
 * - `unknown`: the API has not been asked yet since the page loaded.
 * - `signed-out`: nobody, or the session ended.
 * - `signed-in`: a person with a live session.
 */
export type SessionStatus = 'unknown' | 'signed-out' | 'signed-in';

class Session {
  status = $state<SessionStatus>('unknown');

  /** The signed-in person as the API describes them; null unless signed in. */
  viewer = $state<Viewer | null>(null);

  /** Why the person was signed out, for the sign-in form; null after a plain sign-out. */
  signOutReason = $state<string | null>(null);

  /**
   * Rises with each sign-in, so that what belongs to one session (the API client and its live
   * socket) is made anew for the next rather than carried over.
   */
  generation = $state(0);

  get isSignedIn(): boolean {
    return this.status === 'signed-in';
  }

  /** Sent as X-CSRF-Token; null when signed out. */
  get csrfToken(): string | null {
    return this.viewer?.csrfToken ?? null;
  }

  /** True when the signed-in person must choose a new password before anything else. */
  get mustChangePassword(): boolean {
    return this.viewer?.user?.mustChangePassword ?? false;
  }

  /** True when the signed-in person holds `permission` (and need not change their password). */
  can(permission: string): boolean {
    return !this.mustChangePassword && (this.viewer?.permissions.includes(permission) ?? false);
  }

  /** A new session began (sign-in), or the page found one on load. */
  signedIn(viewer: Viewer): void {
    this.viewer = viewer;
    this.status = 'signed-in';
    this.signOutReason = null;
    this.generation += 1;
  }

  /** The same session, described again (after a password change, say). */
  refreshed(viewer: Viewer): void {
    this.viewer = viewer;
  }

  signedOut(reason: string | null = null): void {
    this.viewer = null;
    this.status = 'signed-out';
    this.signOutReason = reason;
  }
}

/** The one session of this browser tab. */
export const session = new Session();
