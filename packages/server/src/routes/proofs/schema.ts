import { z } from 'zod';
import { position } from '../../http/schemas.js';

export const consistencySchema = {
  tags: ['proofs'],
  summary: 'Consistency proof between the trees of `from` and `to` entries (RFC 9162)',
  description: 'Hashes in base64, with both roots. `to` defaults to the latest checkpoint.',
  querystring: z.object({ from: position, to: position.optional() }),
};

export const inclusionSchema = {
  tags: ['proofs'],
  summary: 'Inclusion proof of entry `seq` in the tree of `size` entries (RFC 9162)',
  description: '`size` defaults to the latest checkpoint.',
  querystring: z.object({ seq: position, size: position.optional() }),
};
