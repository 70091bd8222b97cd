/**
 * The admin's screens and the permission each needs, in one place: the navigation shows only
 * what the signed-in person may open, and the layout answers any other address with a plain
 * "not available to your role" rather than a screen whose every query would be refused. The
 * API enforces the same rules on every field; this only keeps the admin from offering what it
 * would refuse.
 *
 * Deliberately left out: the sign-in and change-password screens, open to anyone signed in or
 * not as their own routes say.
 */
import { session } from './session.svelte';

export interface Screen {
  /** The route the screen lives at; the screens below it share its permission. */
  routeId:
    | '/warehouse/stock'
    | '/finance'
    | '/settings/accounting'
    | '/admin/users'
    | '/admin/tokens'
    | '/admin/audit';
  /** Its name in the navigation. */
  label: string;
  /** What the signed-in person must hold to open it. */
  permission: string;
}

export const screens: readonly Screen[] = [
  { routeId: '/warehouse/stock', label: 'Stock', permission: 'stock:read' },
  // Whoever reads finance (a viewer too) reads the invoices and their settings; the screens
  // offer retrying and saving only to those who may change finance (finance:write).
  { routeId: '/finance', label: 'Invoices', permission: 'finance:read' },
  { routeId: '/settings/accounting', label: 'Accounting', permission: 'finance:read' },
  { routeId: '/admin/users', label: 'Users', permission: 'admin' },
  { routeId: '/admin/tokens', label: 'Tokens', permission: 'admin' },
  { routeId: '/admin/audit', label: 'Audit log', permission: 'admin' },
];

/** The screen a route belongs to, or undefined for one no permission guards. */
export function screenOf(routeId: string | null): Screen | undefined {
  if (routeId === null) {
    return undefined;
  }
  return screens.find(
    (screen) => routeId === screen.routeId || routeId.startsWith(`${screen.routeId}/`),
  );
}

/** The screens the signed-in person may open, in navigation order. */
export function allowedScreens(): Screen[] {
  return screens.filter((screen) => session.can(screen.permission));
}

/** True when the signed-in person may open the route. */
export function mayOpen(routeId: string | null): boolean {
  const screen = screenOf(routeId);
  return screen === undefined || session.can(screen.permission);
}
