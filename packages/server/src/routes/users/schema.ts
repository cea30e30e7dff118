import { z } from 'zod';
import { permissions, roles } from '../../accounts/model.js';
import { slugText } from '../../http/schemas.js';

export const createUserSchema = {
  tags: ['accounts'],
  summary: 'Create a user of an organisation, with a role and permissions',
  description:
    'Permissions (report, verify, publish) are granted separately; which a role may hold is in packages/server/src/policies/matrix.ts. Passwords: 12 to 128 characters.',
  body: z.object({
    email: z.email().max(254),
    orgId: slugText,
    role: z.enum(roles),
    permissions: z.array(z.enum(permissions)).max(3).default([]),
    password: z.string().min(1).max(1024),
  }),
};

export const listUsersSchema = { tags: ['accounts'], summary: 'Every user' };

const userParams = z.object({ id: z.uuid() });

export const getUserSchema = { tags: ['accounts'], summary: 'One user', params: userParams };

export const updateUserSchema = {
  tags: ['accounts'],
  summary: 'Change role, permissions or disabled (audited; ends the user’s sessions)',
  params: userParams,
  body: z
    .object({
      role: z.enum(roles).optional(),
      permissions: z.array(z.enum(permissions)).max(3).optional(),
      disabled: z.boolean().optional(),
    })
    .refine(
      (body) => Object.keys(body).length > 0,
      'change at least one of role, permissions, disabled',
    ),
};

export const resetMfaSchema = {
  tags: ['accounts'],
  summary: 'Remove a user’s second factor (a lost phone and recovery codes); audited',
  description: 'The user’s sessions end; they log in with their password and enrol again.',
  params: userParams,
};
