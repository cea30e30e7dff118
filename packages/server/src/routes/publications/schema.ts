import { z } from 'zod';
import { instantText } from '../../http/schemas.js';

export const publishSchema = {
  tags: ['public'],
  summary: 'Publish the current status to the public page',
  description:
    'Needs the publish permission, which is granted apart from report and verify. What is published is the evaluation at `asOf` (default now) over the ledger as it is.',
  body: z.object({ asOf: instantText.optional() }),
};

export const publicStatusSchema = {
  tags: ['public'],
  summary: 'The last published status (no login)',
};
