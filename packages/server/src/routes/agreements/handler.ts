import { TruceError } from '@truce/core';
import { type AppContext, originOf, type TruceApp } from '../../http/context.js';
import { presentAgreementVersion } from '../../presenters/agreements.js';
import {
  diffSchema,
  getAgreementSchema,
  getVersionSchema,
  listAgreementsSchema,
  uploadAgreementSchema,
} from './schema.js';

export function agreementRoutes(app: TruceApp, ctx: AppContext): void {
  app.post(
    '/api/v1/agreements',
    { config: { action: 'agreements.write' }, schema: uploadAgreementSchema },
    async (request, reply) => {
      const { record, created } = await ctx.agreements.upload(originOf(request), request.body);
      return reply.status(created ? 201 : 200).send(presentAgreementVersion(record));
    },
  );

  app.get(
    '/api/v1/agreements',
    { config: { action: 'agreements.read' }, schema: listAgreementsSchema },
    async () => ({ versions: (await ctx.agreements.list()).map(presentAgreementVersion) }),
  );

  app.get(
    '/api/v1/agreements/:id',
    { config: { action: 'agreements.read' }, schema: getAgreementSchema },
    async (request) => {
      const versions = (await ctx.agreements.list()).filter(
        (record) => record.agreementId === request.params.id,
      );
      if (versions.length === 0) {
        throw new TruceError(
          'NOT_FOUND',
          `no agreement ${request.params.id}; see GET /api/v1/agreements`,
        );
      }
      return { id: request.params.id, versions: versions.map(presentAgreementVersion) };
    },
  );

  app.get(
    '/api/v1/agreements/:id/versions/:version',
    { config: { action: 'agreements.read' }, schema: getVersionSchema },
    async (request) => {
      const { id, version } = request.params;
      const record = await ctx.agreements.version(id, version);
      const source = await ctx.agreements.source(id, version);
      if (!record || source === undefined) {
        throw new TruceError('NOT_FOUND', `agreement ${id} has no version ${version}`);
      }
      return { ...presentAgreementVersion(record), source, agreement: record.agreement };
    },
  );

  app.get(
    '/api/v1/agreements/:id/diff',
    { config: { action: 'agreements.read' }, schema: diffSchema },
    async (request) => {
      const { from, to } = request.query;
      const changes = await ctx.agreements.diff(request.params.id, from, to);
      return { id: request.params.id, from, to, changes };
    },
  );
}
