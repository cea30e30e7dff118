import { describe, expect, it } from 'vitest';
import { cosignerRows } from './ledger.tsx';

describe('the cosigners of the latest checkpoint', () => {
  const expected = [
    { id: 'israel', name: 'Israel' },
    { id: 'hamas', name: 'Hamas' },
    { id: 'qatar', name: 'Qatar' },
  ];

  it('lists every party and guarantor, cosigned or not yet, then other witnesses', () => {
    const rows = cosignerRows(expected, [
      { witness: 'observer-ngo', cosignedAt: '2026-11-27T10:00:00Z', savedAt: '' },
      { witness: 'hamas', cosignedAt: '2026-11-27T10:00:01Z', savedAt: '' },
    ]);
    expect(rows).toEqual([
      { id: 'israel', name: 'Israel', cosignedAt: undefined },
      { id: 'hamas', name: 'Hamas', cosignedAt: '2026-11-27T10:00:01Z' },
      { id: 'qatar', name: 'Qatar', cosignedAt: undefined },
      { id: 'observer-ngo', name: 'observer-ngo', cosignedAt: '2026-11-27T10:00:00Z' },
    ]);
  });

  it('is empty only when nobody is expected and nobody cosigned', () => {
    expect(cosignerRows([], [])).toEqual([]);
    expect(cosignerRows(expected, []).every((row) => row.cosignedAt === undefined)).toBe(true);
  });
});
