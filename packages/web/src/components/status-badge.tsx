import type { Status } from '@truce/core';
import { type MessageKey, useI18n } from '../i18n.tsx';

export function StatusBadge({ status }: { status: Status | string }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {t(`status.${status}` as MessageKey)}
    </span>
  );
}
