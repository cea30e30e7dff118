import { describe, expect, it } from 'vitest';
import type { SqlExecutor } from '../../store/index.js';
import { clockSkew } from './clock-skew.js';

/** A database whose clock reads `dbMs`, and a host clock that moves `roundTripMs` per read. */
function setup(hostMs: number, dbMs: number, roundTripMs: number) {
  let host = hostMs;
  const db: SqlExecutor = {
    query: async <Row>() => {
      host += roundTripMs;
      return [{ now_ms: dbMs + roundTripMs / 2 }] as Row[];
    },
    exec: async () => {},
  };
  return { db, now: () => host };
}

describe('clockSkew', () => {
  it('measures the host against the database at the middle of the round trip', async () => {
    const { db, now } = setup(1_000_000, 1_000_000, 40);
    expect(await clockSkew(db, now)).toEqual({ skewMs: 0, ok: true });
  });

  it('says when the host is more than a second ahead or behind', async () => {
    const ahead = setup(1_005_000, 1_000_000, 10);
    expect(await clockSkew(ahead.db, ahead.now)).toEqual({ skewMs: 5000, ok: false });
    const behind = setup(1_000_000, 1_001_500, 10);
    expect(await clockSkew(behind.db, behind.now)).toEqual({ skewMs: -1500, ok: false });
    const close = setup(1_000_900, 1_000_000, 10);
    expect(await clockSkew(close.db, close.now)).toEqual({ skewMs: 900, ok: true });
  });
});
