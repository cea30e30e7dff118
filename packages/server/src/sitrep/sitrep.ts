import {
  type Agreement,
  createEvaluator,
  parseEvent,
  TruceError,
  type TruceEvent,
} from '@truce/core';
import type { AgreementsService } from '../routes/agreements/agreements-service.js';
import { decodeEntry } from '../routes/status/status-service.js';
import type { Store } from '../store/index.js';
import type { Language } from './i18n.js';
import { buildSitrep, type SitrepCoverage, type SitrepModel, sitrepWindow } from './model.js';
import { renderSitrepHtml } from './render-html.js';
import { htmlToPdf } from './render-pdf.js';

export const sitrepFormats = ['html', 'pdf'] as const;
export type SitrepFormat = (typeof sitrepFormats)[number];

export interface SitrepSource {
  versions: readonly Agreement[];
  events: readonly TruceEvent[];
  coverage: SitrepCoverage;
}

/**
 * The report for a local date: the engine evaluates the events at the end of that day and at the
 * end of the day before (one evaluator, two instants), and the model is built from the two.
 */
export function prepareSitrep(source: SitrepSource, date: string, now: Date): SitrepModel {
  const first = source.versions[0];
  if (!first) throw new TruceError('NOT_FOUND', 'no agreement to report on');
  const window = sitrepWindow(first, date, now);
  const evaluator = createEvaluator(source.versions);
  for (const event of source.events) evaluator.append(event);
  return buildSitrep({
    versions: source.versions,
    window,
    current: evaluator.evaluate(window.asOf),
    previous: evaluator.evaluate(window.previousAsOf),
    events: source.events,
    coverage: source.coverage,
    generatedAt: now.toISOString(),
  });
}

export interface RenderedSitrep {
  body: string | Uint8Array;
  contentType: string;
  extension: SitrepFormat;
}

export async function renderSitrep(
  model: SitrepModel,
  language: Language,
  format: SitrepFormat,
  env: Readonly<Record<string, string | undefined>>,
): Promise<RenderedSitrep> {
  const html = renderSitrepHtml(model, language);
  if (format === 'html') {
    return { body: html, contentType: 'text/html; charset=utf-8', extension: 'html' };
  }
  return { body: await htmlToPdf(html, env), contentType: 'application/pdf', extension: 'pdf' };
}

/** Suggested file name: `sitrep-gaza-2025-2025-02-10-en.pdf`. */
export function sitrepFileName(model: SitrepModel, language: Language, format: SitrepFormat) {
  return `sitrep-${model.agreement.id}-${model.window.date}-${language}.${format}`;
}

const keyEventTypes = new Set(['key_registered', 'key_revoked']);

/**
 * A running cell's inputs: every version of its agreement (the last uploaded one, or `agreementId`)
 * and every event of its ledger, with the ledger's size and latest checkpoint. Reads the whole
 * log: a report is made a few times a day, and the events it lists need their payloads.
 */
export async function ledgerSource(
  store: Store,
  agreements: AgreementsService,
  agreementId?: string,
): Promise<SitrepSource> {
  const id = agreementId ?? (await agreements.currentId());
  if (id === undefined) {
    throw new TruceError(
      'NOT_FOUND',
      'no agreement has been uploaded yet; a mediator uploads one with POST /api/v1/agreements',
    );
  }
  const versions = await agreements.versions(id);
  if (versions.length === 0) throw new TruceError('NOT_FOUND', `no agreement ${id}`);
  const checkpoint = await store.latestCheckpoint();
  const events: TruceEvent[] = [];
  const page = 2000;
  let size = 0;
  for (;;) {
    const entries = await store.entries(size, page);
    for (const entry of entries) {
      const { event } = decodeEntry(entry);
      if (!keyEventTypes.has(event.type)) events.push(parseEvent(event));
      size = entry.seq + 1;
    }
    if (entries.length < page) break;
  }
  return {
    versions,
    events,
    coverage: {
      kind: 'ledger',
      size,
      checkpoint: checkpoint
        ? {
            size: checkpoint.size,
            rootHash: checkpoint.text.split('\n')[2] ?? '',
            savedAt: checkpoint.savedAt,
          }
        : null,
    },
  };
}
