import { TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentUser } from '../../presenters/accounts.js';
import {
  createUserSchema,
  getUserSchema,
  listUsersSchema,
  resetMfaSchema,
  updateUserSchema,
} from './schema.js';

export function userRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/users',
    { config: { action: 'users.write' }, schema: createUserSchema },
    async (request, reply) => {
      const user = await ctx.accounts.createUser(originOf(request), request.body);
      return reply.status(201).send(presentUser(user));
    },
  );

  app.get(
    '/api/v1/users',
    { config: { action: 'users.read' }, schema: listUsersSchema },
    async () => ({
      users: (await ctx.accounts.repository.users()).map(presentUser),
    }),
  );

  app.get(
    '/api/v1/users/:id',
    { config: { action: 'users.read' }, schema: getUserSchema },
    async (request) => {
      const user = await ctx.accounts.repository.user(request.params.id);
      if (!user) throw new TruceError('NOT_FOUND', `no user ${request.params.id}`);
      return presentUser(user);
    },
  );

  app.patch(
    '/api/v1/users/:id',
    { config: { action: 'users.write' }, schema: updateUserSchema },
    async (request) => {
      const { role, permissions, disabled } = request.body;
      const user = await ctx.accounts.updateUser(originOf(request), request.params.id, {
        ...(role !== undefined ? { role } : {}),
        ...(permissions !== undefined ? { permissions } : {}),
        ...(disabled !== undefined ? { disabled } : {}),
      });
      return presentUser(user);
    },
  );

  app.post(
    '/api/v1/users/:id/mfa/reset',
    { config: { action: 'users.write' }, schema: resetMfaSchema },
    async (request, reply) => {
      await ctx.accounts.resetMfa(originOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
