import { z } from 'zod';
import { scopes } from '../../accounts/model.js';

export const createTokenSchema = {
  tags: ['accounts'],
  summary: 'Make an API token for a machine; the secret is shown once',
  description:
    'Send it as `Authorization: Bearer truce_…`. Scopes cannot exceed what your role may do; the token expires after `expiresInDays` (at most 365). The server keeps only its SHA-256.',
  body: z.object({
    name: z.string().min(1).max(100),
    scopes: z.array(z.enum(scopes)).min(1).max(scopes.length),
    expiresInDays: z.number().int().min(1).max(3650),
  }),
};

export const listTokensSchema = {
  tags: ['accounts'],
  summary: 'Your tokens (a mediator: everyone’s), without secrets',
};

export const revokeTokenSchema = {
  tags: ['accounts'],
  summary: 'Revoke a token',
  params: z.object({ id: z.uuid() }),
};
