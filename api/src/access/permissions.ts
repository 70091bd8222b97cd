/**
 * What a caller may do. A permission is the unit every rule in the policy names; a role is a
 * named set of permissions given to people; an API token carries permissions directly (its
 * scopes), so an integrator gets exactly what it needs and no role's worth more.
 */
export const permissions = [
  'stock:read',
  'stock:write',
  'orders:read',
  'finance:read',
  'finance:write',
  'admin',
] as const;
export type Permission = (typeof permissions)[number];

export const roles = ['admin', 'warehouse', 'finance', 'viewer'] as const;
export type Role = (typeof roles)[number];

/**
 * Costs, margins, revenue and invoice amounts are finance:read. The warehouse works stock and
 * reads orders to pick and pack them, but never sees money. A viewer reads what the management
 * dashboard shows, revenue included, and changes nothing.
 */
export const rolePermissions: Record<Role, readonly Permission[]> = {
  admin: permissions,
  warehouse: ['stock:read', 'stock:write', 'orders:read'],
  finance: ['stock:read', 'orders:read', 'finance:read', 'finance:write'],
  viewer: ['stock:read', 'orders:read', 'finance:read'],
};

export function permissionsOfRoles(held: readonly Role[]): Set<Permission> {
  return new Set(held.flatMap((role) => rolePermissions[role]));
}

export function isPermission(value: string): value is Permission {
  return (permissions as readonly string[]).includes(value);
}

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}
