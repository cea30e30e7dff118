import { z } from 'zod';
import { position, slugText } from '../../http/schemas.js';

export const uploadAgreementSchema = {
  tags: ['agreements'],
  summary: 'Upload an agreement version (YAML, docs/AGREEMENT-FORMAT.md)',
  description:
    'Send the YAML file as the body with Content-Type application/yaml. The same text again is a retry (200); other text under an existing version number is CONFLICT.',
  consumes: ['application/yaml', 'text/yaml', 'text/plain'],
  body: z
    .string()
    .min(1)
    .max(1024 * 1024),
};

export const listAgreementsSchema = { tags: ['agreements'], summary: 'Every uploaded version' };

export const agreementParams = z.object({ id: slugText });

export const getAgreementSchema = {
  tags: ['agreements'],
  summary: 'The versions of one agreement',
  params: agreementParams,
};

export const getVersionSchema = {
  tags: ['agreements'],
  summary: 'One version: metadata, the YAML as uploaded and the parsed agreement',
  params: z.object({ id: slugText, version: position }),
};

export const diffSchema = {
  tags: ['agreements'],
  summary: 'Obligations added, removed or changed between two versions',
  params: agreementParams,
  querystring: z.object({ from: position, to: position }),
};
