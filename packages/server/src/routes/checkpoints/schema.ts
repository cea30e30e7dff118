import { z } from 'zod';
import { position } from '../../http/schemas.js';

export const latestCheckpointSchema = {
  tags: ['checkpoints'],
  summary: 'The latest signed checkpoint (C2SP signed note) and who cosigned it',
};

export const listCheckpointsSchema = {
  tags: ['checkpoints'],
  summary: 'Every checkpoint, oldest first',
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
