import { defaultNoticeRules, TruceError } from '@truce/core';
import { describe, expect, it } from 'vitest';
import { cellNoticeRules } from './notices-service.js';

describe('the cell’s notice rules (TRUCE_NOTICE_RULES)', () => {
  it('default to a day to acknowledge, then mediators and guarantors', () => {
    expect(cellNoticeRules(undefined)).toEqual(defaultNoticeRules);
    expect(cellNoticeRules('  ')).toEqual(defaultNoticeRules);
  });

  it('take the agreement’s notices format, defaults filled in', () => {
    expect(cellNoticeRules('{"acknowledgeWithinHours":6}')).toEqual({
      acknowledgeWithinHours: 6,
      escalate: defaultNoticeRules.escalate,
    });
    expect(cellNoticeRules('{"escalate":[{"afterHours":2,"to":"guarantors"}]}').escalate).toEqual([
      { afterHours: 2, to: 'guarantors' },
    ]);
  });

  it('refuse what is not JSON or not the format, saying where', () => {
    expect(() => cellNoticeRules('{acknowledge')).toThrow(/not JSON/);
    try {
      cellNoticeRules('{"escalate":[{"afterHours":2,"to":"press"}]}');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TruceError);
      expect((error as TruceError).details[0]?.path).toBe('escalate.0.to');
    }
  });
});
