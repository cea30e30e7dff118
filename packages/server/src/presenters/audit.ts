import type { AuditRecord } from '../audit/audit-log.js';

export function presentAuditRecord(record: AuditRecord) {
  return {
    id: record.id,
    at: record.at,
    actor: record.actor ?? null,
    actorOrg: record.actorOrg ?? null,
    action: record.action,
    target: record.target ?? null,
    outcome: record.outcome,
    ip: record.ip ?? null,
    details: record.details,
    chainSeq: record.chainSeq,
    hash: record.hash,
  };
}
