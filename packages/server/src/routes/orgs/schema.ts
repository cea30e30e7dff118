import { z } from 'zod';
import { organisationKinds } from '../../accounts/model.js';
import { slugText } from '../../http/schemas.js';

export const createOrgSchema = {
  tags: ['accounts'],
  summary: 'Create an organisation (a party, mediator state, agency, monitor…)',
  description: 'The id is the organisation id events and keys use (`source`, `org`).',
  body: z.object({
    id: slugText,
    name: z.string().min(1).max(200),
    kind: z.enum(organisationKinds),
  }),
};

export const listOrgsSchema = { tags: ['accounts'], summary: 'Every organisation' };

export const getOrgSchema = {
  tags: ['accounts'],
  summary: 'One organisation',
  params: z.object({ id: slugText }),
};
