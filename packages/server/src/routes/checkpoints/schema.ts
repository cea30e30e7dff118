import { z } from 'zod';
import { position } from '../../http/schemas.js';

export const latestCheckpointSchema = {
  tags: ['checkpoints'],
  summary: 'The latest signed checkpoint (C2SP signed note) and who cosigned it',
  description:
    '`cosigners`: the witnesses that cosigned this checkpoint. `witnesses`: every witness with the largest checkpoint it cosigned (`checkpointSize`), so a witness that has fallen behind shows by how much.',
};

export const listCheckpointsSchema = {
  tags: ['checkpoints'],
  summary: 'Checkpoints, oldest first, a page at a time',
  description:
    'Checkpoints of `from` entries or more (default 0), oldest first, at most `limit` (default 100, at most 1,000); `next`, when present, is the `from` of the next page. The checkpointer signs one every second or so under load, so a long-running log holds many: page through them, or read `/checkpoints/latest` or `/checkpoints/{size}`.',
  querystring: z.object({
    from: position.default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
};

export const getCheckpointSchema = {
  tags: ['checkpoints'],
  summary: 'One checkpoint by tree size, with its cosigners',
  params: z.object({ size: position }),
};

export const cosignSchema = {
  tags: ['checkpoints'],
  summary: "Store a witness's cosignature line of a checkpoint",
  description:
    'The line `— <org> <base64>` that `truce witness` prints; checked against the keys the organisation registered in the log.',
  body: z.object({ line: z.string().min(1).max(1000), size: position.optional() }),
};
