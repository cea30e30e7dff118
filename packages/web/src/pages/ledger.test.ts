import { describe, expect, it } from 'vitest';
import type { Checkpoint } from '../api.ts';
import { cosignerRows } from './ledger.tsx';

describe('the cosigners of the latest checkpoint', () => {
  const expected = [
    { id: 'israel', name: 'Israel' },
    { id: 'hamas', name: 'Hamas' },
    { id: 'qatar', name: 'Qatar' },
  ];
  const checkpoint = (over: Partial<Checkpoint>): Checkpoint => ({
    size: 120,
    note: '',
    savedAt: '2026-11-27T10:00:02Z',
    ...over,
  });

  it('lists every party and guarantor, cosigned, behind (by how much) or never, then other witnesses', () => {
    const rows = cosignerRows(
      checkpoint({
        cosigners: [
          { witness: 'observer-ngo', cosignedAt: '2026-11-27T10:00:00Z', savedAt: '' },
          { witness: 'hamas', cosignedAt: '2026-11-27T10:00:01Z', savedAt: '' },
        ],
        witnesses: [
          { witness: 'hamas', checkpointSize: 120, cosignedAt: '2026-11-27T10:00:01Z' },
          { witness: 'israel', checkpointSize: 113, cosignedAt: '2026-11-27T09:00:00Z' },
          { witness: 'observer-ngo', checkpointSize: 120, cosignedAt: '2026-11-27T10:00:00Z' },
          { witness: 'un', checkpointSize: 7, cosignedAt: '2026-11-26T08:00:00Z' },
        ],
      }),
      expected,
    );
    expect(rows).toEqual([
      {
        id: 'israel',
        name: 'Israel',
        cosignedAt: undefined,
        last: { size: 113, cosignedAt: '2026-11-27T09:00:00Z' },
      },
      { id: 'hamas', name: 'Hamas', cosignedAt: '2026-11-27T10:00:01Z' },
      { id: 'qatar', name: 'Qatar', cosignedAt: undefined },
      { id: 'observer-ngo', name: 'observer-ngo', cosignedAt: '2026-11-27T10:00:00Z' },
      {
        id: 'un',
        name: 'un',
        cosignedAt: undefined,
        last: { size: 7, cosignedAt: '2026-11-26T08:00:00Z' },
      },
    ]);
  });

  it('is empty only when nobody is expected and nobody cosigned', () => {
    expect(cosignerRows(checkpoint({}), [])).toEqual([]);
    expect(
      cosignerRows(checkpoint({}), expected).every((row) => row.cosignedAt === undefined),
    ).toBe(true);
  });
});
