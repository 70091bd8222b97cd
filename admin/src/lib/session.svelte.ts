/**
 * Who is signed in: the API token this browser keeps, and why the person was last sent back
 * to the sign-in form. The token is an API token (`QM_ADMIN_TOKEN`, or `.data/admin-token`);
 * there are no per-person accounts or sessions on the server yet, so signing out only forgets
 * the token here, it does not revoke it.
 */
import { browser } from '$app/environment';

const storageKey = 'quartermaster.admin.apiToken';

class Session {
  /** The token every request is made with; null while signed out. */
  token = $state<string | null>(readStoredToken());

  /** Why the person was signed out, for the sign-in form; null after a plain sign-out. */
  signOutReason = $state<string | null>(null);

  get isSignedIn(): boolean {
    return this.token !== null;
  }

  signIn(token: string): void {
    this.token = token;
    this.signOutReason = null;
    writeStoredToken(token);
  }

  signOut(reason: string | null = null): void {
    this.token = null;
    this.signOutReason = reason;
    writeStoredToken(null);
  }
}

/** The one session of this browser tab. */
export const session = new Session();

// Storage can be switched off (private modes, strict policies); the admin then still works for
// as long as the tab stays open, it just asks for the token again next time.
function readStoredToken(): string | null {
  if (!browser) {
    return null;
  }
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

function writeStoredToken(token: string | null): void {
  try {
    if (token === null) {
      localStorage.removeItem(storageKey);
    } else {
      localStorage.setItem(storageKey, token);
    }
  } catch {
    // See readStoredToken: the in-memory token is enough for this tab.
  }
}
