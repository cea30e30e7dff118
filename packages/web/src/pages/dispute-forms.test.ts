import { parseEvent } from '@truce/core';
import { createElement, type ReactNode } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { I18nProvider } from '../i18n.tsx';
import {
  AddClaim,
  blankMeasure,
  measureOf,
  OpenDispute,
  ResolveDispute,
} from './dispute-forms.tsx';

const draft = {
  obligation: 'returns-north-rashid-street',
  event: 'e-000063',
  days: '2',
  day: '12',
  count: '1',
  fromDay: '43',
  toDay: '50',
};

describe('the decision form', () => {
  it('sends measures a dispute_resolved event accepts, as the Jan-2025 decision had them', () => {
    const measures = (
      ['delay', 'addItem', 'moveItem', 'waive', 'suspend', 'correctCount'] as const
    ).map((kind) => measureOf({ ...draft, kind }));
    const event = parseEvent({
      id: 'qatar-d1',
      type: 'dispute_resolved',
      source: 'qatar',
      occurredAt: '2025-01-26T23:00:00+02:00',
      reportedAt: '2025-01-26T23:00:00+02:00',
      payload: { dispute: 'release-order-day-7', decision: 'Returns from Day 9.', measures },
    });
    expect(event.payload).toMatchObject({
      measures: [
        { kind: 'delay', obligation: 'returns-north-rashid-street', days: 2 },
        { kind: 'addItem', day: 12, count: 1 },
        { kind: 'moveItem', fromDay: 43, toDay: 50 },
        { kind: 'waive' },
        { kind: 'suspend', fromDay: 43, untilDay: 50 },
        { kind: 'correctCount', event: 'e-000063', count: 1 },
      ],
    });
  });
});

const rendered = (form: ReactNode) => renderToStaticMarkup(createElement(I18nProvider, null, form));
const names = (html: string) => [...html.matchAll(/ name="([^"]+)"/g)].map((m) => m[1]);

describe('the dispute forms', () => {
  it('offer a corrected count of the contested event first when a count is contested', () => {
    expect(measureOf(blankMeasure('aid-trucks-daily', 'e-000063'))).toEqual({
      kind: 'correctCount',
      obligation: 'aid-trucks-daily',
      event: 'e-000063',
      count: 1,
    });
    expect(blankMeasure('aid-trucks-daily').kind).toBe('delay');
  });

  it('keep the fields people and the browser tests fill in', () => {
    const now = '2025-01-25T12:00:00+02:00';
    const onDone = () => {};
    expect(names(rendered(createElement(AddClaim, { dispute: 'd-1', now, onDone })))).toEqual([
      'claim',
      'evidence',
      'files',
    ]);
    expect(
      names(
        rendered(createElement(OpenDispute, { agreement: undefined, org: 'israel', now, onDone })),
      ),
    ).toEqual(['subject', 'contests', 'ref', 'obligations', 'claim', 'evidence', 'files']);
    const decide = rendered(
      createElement(ResolveDispute, { dispute: 'd-1', obligations: ['trucks'], now, onDone }),
    );
    expect(names(decide)).toEqual(['decision']);
    expect(decide).toContain('data-dispute="d-1"');
  });
});
