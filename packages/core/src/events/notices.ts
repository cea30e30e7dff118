/** Notices between the parties, their delivery and acknowledgement (none yet). */
export const noticePayloads = {} as const;
