import { describe, expect, it } from 'vitest';
import { aidPayloads } from './aid.js';
import { domainOfEventType, eventDomains } from './domains.js';
import { exchangePayloads } from './exchange.js';
import { incidentPayloads } from './incidents.js';
import { noticePayloads } from './notices.js';
import { keyEventTypes, payloadSchemas } from './schema.js';

describe('domainOfEventType', () => {
  it('gives every event type one of the domains', () => {
    for (const type of Object.keys(payloadSchemas)) {
      expect(eventDomains, type).toContain(domainOfEventType(type));
    }
  });

  it('follows the per-domain schemas', () => {
    for (const type of Object.keys(aidPayloads)) expect(domainOfEventType(type)).toBe('aid');
    for (const type of Object.keys(exchangePayloads)) {
      expect(domainOfEventType(type)).toBe('exchange');
    }
    for (const type of Object.keys(incidentPayloads)) {
      expect(domainOfEventType(type)).toBe('incidents');
    }
    for (const type of Object.keys(noticePayloads)) expect(domainOfEventType(type)).toBe('notices');
    expect(domainOfEventType('returns_counted')).toBe('returns');
    expect(domainOfEventType('crossing_opened')).toBe('crossings');
    expect(domainOfEventType('correction')).toBe('revisions');
    expect(domainOfEventType('retraction')).toBe('revisions');
  });

  it("keeps the ledger's key label for key events", () => {
    for (const type of keyEventTypes) expect(domainOfEventType(type)).toBe('key');
  });

  it('knows no domain for an unknown type, nor for inherited names', () => {
    expect(domainOfEventType('talk_started')).toBeUndefined();
    expect(domainOfEventType('toString')).toBeUndefined();
    expect(domainOfEventType('__proto__')).toBeUndefined();
  });
});
