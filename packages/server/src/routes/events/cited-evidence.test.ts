import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../http/testing.js';
import { newKey, registration, signedEvent } from '../../ledger/testing.js';

/**
 * Evidence cited in events admitted by the plain events routes (reported through the server, or
 * signed envelopes) must already be in the evidence store, as through the incidents routes.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ start: new Date('2025-01-25T10:00:00Z') });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const upload = (bytes: Buffer) =>
  server.app.inject({
    method: 'PUT',
    url: `/api/v1/evidence/${sha256(bytes)}`,
    headers: { ...server.headers('party_liaison'), 'content-type': 'application/octet-stream' },
    payload: bytes,
  });

const report = (event: Record<string, unknown>) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: server.headers('party_liaison'),
    payload: { event },
  });

describe('evidence cited through POST /api/v1/events', () => {
  it('refuses an incident report citing a file not uploaded, then takes it once it is', async () => {
    const log = Buffer.from('synthetic checkpoint log for the events route, rows 1-12');
    const event = {
      id: 'israel-inc-events-1',
      type: 'incident_reported',
      occurredAt: '2025-01-25T09:00:00+02:00',
      payload: {
        incident: 'inc-events-1',
        category: 'obstruction_of_aid',
        description: 'Trucks held at the checkpoint for three hours.',
        evidence: [{ sha256: sha256(log), name: 'log.csv', mediaType: 'text/csv' }],
      },
    };
    const early = await report(event);
    expect(early.statusCode).toBe(422);
    expect(early.json().error).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      details: [{ path: 'event.payload.evidence[0]', message: `no evidence file ${sha256(log)}` }],
    });
    expect(early.json().error.message).toContain('PUT /api/v1/evidence/<sha256>');
    expect((await upload(log)).statusCode).toBe(201);
    const later = await report(event);
    expect(later.statusCode, later.body).toBe(201);
  });

  it("names each missing file of a dispute's claims, and a correction's corrected payload", async () => {
    const photo = Buffer.from('synthetic photograph bytes, not a real image');
    const kept = Buffer.from('synthetic convoy manifest, uploaded first');
    expect((await upload(kept)).statusCode).toBe(201);
    const opened = await report({
      type: 'dispute_opened',
      occurredAt: '2025-01-25T09:30:00+02:00',
      payload: {
        dispute: 'd-events-1',
        obligations: ['aid-trucks-daily'],
        subject: 'The Day-6 count.',
        claims: [
          {
            by: 'israel',
            claim: 'The manifest shows more trucks.',
            files: [{ sha256: sha256(kept) }, { sha256: sha256(photo) }],
          },
        ],
      },
    });
    expect(opened.statusCode).toBe(422);
    expect(opened.json().error.details).toEqual([
      { path: 'event.payload.claims[0].files[1]', message: `no evidence file ${sha256(photo)}` },
    ]);

    const corrected = await report({
      type: 'correction',
      occurredAt: '2025-01-25T09:40:00+02:00',
      payload: {
        target: 'israel-inc-events-1',
        reason: 'the photograph was left out',
        payload: {
          incident: 'inc-events-1',
          category: 'obstruction_of_aid',
          description: 'Trucks held at the checkpoint for three hours.',
          evidence: [{ sha256: sha256(photo) }],
        },
      },
    });
    expect(corrected.statusCode).toBe(422);
    expect(corrected.json().error.details[0].path).toBe('event.payload.payload.evidence[0]');
  });
});

describe('evidence cited in signed envelopes (POST /api/v1/events/signed)', () => {
  it('refuses the whole batch while a cited file is missing, and appends it once uploaded', async () => {
    const key = newKey();
    const statement = Buffer.from('synthetic signed statement, for the signed route');
    const envelopes = [
      registration(server.app.truce.ledger.identity, 'egypt', key),
      signedEvent(
        {
          id: 'egypt-claim-signed-1',
          type: 'dispute_claim_added',
          occurredAt: '2025-01-25T10:00:00+02:00',
          reportedAt: '2025-01-25T10:00:00+02:00',
          source: 'egypt',
          payload: {
            dispute: 'd-events-1',
            claim: 'The statement is attached.',
            files: [{ sha256: sha256(statement), name: 'statement.txt' }],
          },
        },
        key,
      ),
    ];
    const submit = () =>
      server.app.inject({
        method: 'POST',
        url: '/api/v1/events/signed',
        headers: server.headers('mediator'),
        payload: { envelopes },
      });
    const size = async () => (await server.app.truce.ledger.store.size()) as number;
    const before = await size();
    const early = await submit();
    expect(early.statusCode).toBe(422);
    expect(early.json().error).toMatchObject({
      code: 'EVIDENCE_NOT_FOUND',
      details: [
        {
          path: 'envelopes[1].event.payload.files[0]',
          message: `no evidence file ${sha256(statement)}`,
        },
      ],
    });
    // All or none: not even the key registration of the batch was appended.
    expect(await size()).toBe(before);
    expect((await upload(statement)).statusCode).toBe(201);
    const later = await submit();
    expect(later.statusCode, later.body).toBe(201);
    expect(later.json().receipts).toHaveLength(2);
  });
});
