import { z } from 'zod';
import { limit, position } from '../../http/schemas.js';

export const listAuditSchema = {
  tags: ['audit'],
  summary: 'The audit log, oldest first, a page at a time',
  description: 'Follow `nextCursor` (pass it as `after`) until it is null.',
  querystring: z.object({
    after: position.optional(),
    limit: limit(1000, 100),
    action: z
      .string()
      .regex(/^[a-z.]{1,64}$/)
      .optional(),
    actor: z.uuid().optional(),
  }),
};

export const exportAuditSchema = {
  tags: ['audit'],
  summary: 'The whole audit log as JSON Lines (streamed)',
};
