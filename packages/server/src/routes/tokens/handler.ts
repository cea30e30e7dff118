import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentToken } from '../../presenters/accounts.js';
import { createTokenSchema, listTokensSchema, revokeTokenSchema } from './schema.js';

export function tokenRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/tokens',
    { config: { action: 'tokens.write' }, schema: createTokenSchema },
    async (request, reply) => {
      const { token, secret } = await ctx.accounts.createToken(originOf(request), request.body);
      reply.header('cache-control', 'no-store');
      return reply.status(201).send({ ...presentToken(token), token: secret });
    },
  );

  app.get(
    '/api/v1/tokens',
    { config: { action: 'tokens.read' }, schema: listTokensSchema },
    async (request) => ({
      tokens: (await ctx.accounts.tokens(request.actor)).map(presentToken),
    }),
  );

  app.delete(
    '/api/v1/tokens/:id',
    { config: { action: 'tokens.revoke' }, schema: revokeTokenSchema },
    async (request) =>
      presentToken(await ctx.accounts.revokeToken(originOf(request), request.params.id)),
  );
}
