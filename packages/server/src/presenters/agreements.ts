import type { AgreementVersionRecord } from '../routes/agreements/agreements-service.js';

export function presentAgreementVersion(record: AgreementVersionRecord) {
  return {
    id: record.agreementId,
    version: record.version,
    title: record.agreement.title,
    sha256: record.sha256,
    uploadedBy: record.uploadedBy ?? null,
    uploadedAt: record.uploadedAt,
    obligations: record.agreement.obligations.length,
  };
}
