import { TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentOrganisation } from '../../presenters/accounts.js';
import { createOrgSchema, getOrgSchema, listOrgsSchema } from './schema.js';

export function orgRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/orgs',
    { config: { action: 'orgs.write' }, schema: createOrgSchema },
    async (request, reply) => {
      const org = await ctx.accounts.createOrganisation(originOf(request), request.body);
      return reply.status(201).send(presentOrganisation(org));
    },
  );

  app.get(
    '/api/v1/orgs',
    { config: { action: 'orgs.read' }, schema: listOrgsSchema },
    async () => ({
      organisations: (await ctx.accounts.repository.organisations()).map(presentOrganisation),
    }),
  );

  app.get(
    '/api/v1/orgs/:id',
    { config: { action: 'orgs.read' }, schema: getOrgSchema },
    async (request) => {
      const org = await ctx.accounts.repository.organisation(request.params.id);
      if (!org) throw new TruceError('NOT_FOUND', `no organisation ${request.params.id}`);
      return presentOrganisation(org);
    },
  );
}
