import type { RequestOrigin } from './accounts-service.js';
import { actorOutsideHttp, type User } from './model.js';

/** A user for tests: a synthetic account of `orgId` with the given role and permissions. */
export function testUser(
  fields: Pick<User, 'id' | 'orgId' | 'role' | 'permissions'> & Partial<User>,
): User {
  return {
    email: `${fields.id}@example.org`,
    disabled: false,
    failedLogins: 0,
    lockedUntil: undefined,
    createdAt: '2025-01-01T00:00:00.000Z',
    ...fields,
  };
}

/** The origin of a request by `user`, made outside HTTP (as the command line makes it). */
export function originOfUser(user: User): RequestOrigin {
  return { actor: actorOutsideHttp(user, '2025-01-21T09:00:00.000Z'), ip: 'test' };
}
