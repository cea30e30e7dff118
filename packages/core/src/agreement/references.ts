import { eventTypes } from '../events/schema.js';
import type { DocumentPath } from './parse.js';
import type { Agreement, Condition, EventMatch } from './schema.js';

export interface ReferenceProblem {
  path: DocumentPath;
  message: string;
}

/**
 * Checks what a schema cannot: that every id an agreement uses is defined in it, and that event
 * types are ones truce knows. A typo in an id would otherwise make an obligation silently
 * never match an event.
 */
export function checkReferences(agreement: Agreement): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const known = (kind: string, ids: Iterable<string>) => {
    const set = new Set(ids);
    return (id: string, path: DocumentPath) => {
      if (!set.has(id)) {
        const list = [...set].join(', ') || 'none';
        problems.push({ path, message: `unknown ${kind} "${id}" (defined: ${list})` });
      }
    };
  };
  const duplicates = (kind: string, items: readonly { id: string }[], at: string) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      if (seen.has(item.id))
        problems.push({ path: [at, index, 'id'], message: `duplicate ${kind} id "${item.id}"` });
      seen.add(item.id);
    });
  };
  duplicates('party', agreement.parties, 'parties');
  duplicates('source', agreement.sources, 'sources');
  duplicates('phase', agreement.phases, 'phases');
  duplicates('obligation', agreement.obligations, 'obligations');
  duplicates('place', agreement.places, 'places');

  const party = known(
    'party',
    agreement.parties.map((p) => p.id),
  );
  const source = known(
    'source',
    agreement.sources.map((s) => s.id),
  );
  const phase = known(
    'phase',
    agreement.phases.map((p) => p.id),
  );
  const obligation = known(
    'obligation',
    agreement.obligations.map((o) => o.id),
  );
  const place = known(
    'place',
    agreement.places.map((p) => p.id),
  );
  const types = new Set<string>(eventTypes);

  const checkReported = (value: unknown, path: DocumentPath) => {
    // Only the reported shape: an event match's `where` may name a payload field `alternatives`
    // too, but there its value is a scalar or a list of scalars, never a list of objects.
    const alternatives = (value as { alternatives?: unknown } | null)?.alternatives;
    if (
      Array.isArray(alternatives) &&
      alternatives.every((alt) => typeof alt === 'object' && alt !== null)
    ) {
      const primary = (value as { source?: unknown }).source;
      if (typeof primary === 'string') source(primary, [...path, 'source']);
      alternatives.forEach((alt: { source?: unknown }, index) => {
        if (typeof alt.source === 'string') {
          source(alt.source, [...path, 'alternatives', index, 'source']);
        }
      });
    }
  };
  const walkReported = (value: unknown, path: DocumentPath): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walkReported(item, [...path, index]));
    } else if (value && typeof value === 'object') {
      checkReported(value, path);
      for (const [key, inner] of Object.entries(value)) walkReported(inner, [...path, key]);
    }
  };
  walkReported(agreement.phases, ['phases']);
  walkReported(agreement.obligations, ['obligations']);

  const checkMatch = (match: EventMatch, path: DocumentPath) => {
    for (const [index, type] of (Array.isArray(match.type) ? match.type : [match.type]).entries()) {
      if (!types.has(type)) {
        problems.push({
          path: Array.isArray(match.type) ? [...path, 'type', index] : [...path, 'type'],
          message: `unknown event type "${type}" (known: ${eventTypes.join(', ')})`,
        });
      }
    }
    const sources =
      match.source === undefined ? [] : Array.isArray(match.source) ? match.source : [match.source];
    for (const id of sources) party(id, [...path, 'source']);
    for (const key of ['zone', 'crossing', 'route', 'area', 'place'] as const) {
      const value = match.where?.[key];
      for (const id of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
        if (typeof id === 'string') place(id, [...path, 'where', key]);
      }
    }
    for (const id of [match.where?.phase ?? []].flat()) {
      if (typeof id === 'string') phase(id, [...path, 'where', 'phase']);
    }
  };
  const checkCondition = (condition: Condition, path: DocumentPath): void => {
    if ('phaseStarted' in condition) phase(condition.phaseStarted, [...path, 'phaseStarted']);
    else if ('phaseEnded' in condition) phase(condition.phaseEnded, [...path, 'phaseEnded']);
    else if ('event' in condition) checkMatch(condition.event, [...path, 'event']);
    else if ('count' in condition) checkMatch(condition.count, [...path, 'count']);
    else if ('obligationMet' in condition)
      obligation(condition.obligationMet, [...path, 'obligationMet']);
    else if ('all' in condition)
      condition.all.forEach((c, i) => checkCondition(c, [...path, 'all', i]));
    else if ('any' in condition)
      condition.any.forEach((c, i) => checkCondition(c, [...path, 'any', i]));
    else if ('not' in condition) checkCondition(condition.not, [...path, 'not']);
  };

  agreement.parties.forEach((p, index) => {
    if (p.represents) party(p.represents, ['parties', index, 'represents']);
  });
  agreement.phases.forEach((p, index) => {
    if ('when' in p.start) checkCondition(p.start.when, ['phases', index, 'start', 'when']);
    p.extensions?.forEach((ext, e) => {
      const at: DocumentPath = ['phases', index, 'extensions', e];
      if ('whileOngoing' in ext) {
        checkCondition(ext.whileOngoing.started, [...at, 'whileOngoing', 'started']);
        checkCondition(ext.whileOngoing.stopped, [...at, 'whileOngoing', 'stopped']);
      } else {
        checkMatch(ext.perCount.measure, [...at, 'perCount', 'measure']);
      }
    });
  });
  agreement.obligations.forEach((o, index) => {
    const at: DocumentPath = ['obligations', index];
    o.owedBy.forEach((id, i) => party(id, [...at, 'owedBy', i]));
    if (o.source) source(o.source, [...at, 'source']);
    if (o.during?.phase) phase(o.during.phase, [...at, 'during', 'phase']);
    switch (o.kind) {
      case 'quota':
        checkMatch(o.measure, [...at, 'measure']);
        if (o.partOf) obligation(o.partOf, [...at, 'partOf']);
        if (o.sources.combine === 'single') party(o.sources.source, [...at, 'sources', 'source']);
        else o.sources.among?.forEach((id, i) => party(id, [...at, 'sources', 'among', i]));
        break;
      case 'exchange':
        checkMatch(o.counterpart, [...at, 'counterpart']);
        checkMatch(o.release, [...at, 'release']);
        break;
      case 'schedule':
        checkMatch(o.measure, [...at, 'measure']);
        break;
      case 'deadline':
        checkMatch(o.act, [...at, 'act']);
        if ('after' in o.by) checkCondition(o.by.after, [...at, 'by', 'after']);
        break;
      case 'prohibition':
        checkMatch(o.act, [...at, 'act']);
        if ('exchangeDays' in o.window && o.window.exchangeDays) {
          checkMatch(o.window.exchangeDays, [...at, 'window', 'exchangeDays']);
        }
        break;
      case 'permission':
        checkCondition(o.when, [...at, 'when']);
        checkMatch(o.act, [...at, 'act']);
        if (o.blockedBy) checkMatch(o.blockedBy, [...at, 'blockedBy']);
        break;
      case 'notice':
        o.notice.to?.forEach((id, i) => party(id, [...at, 'notice', 'to', i]));
        if ('each' in o.before) checkMatch(o.before.each, [...at, 'before', 'each']);
        if ('scheduleOf' in o.before)
          obligation(o.before.scheduleOf, [...at, 'before', 'scheduleOf']);
        break;
    }
  });
  checkAidReferences(agreement, party, problems);
  return problems;
}

/** Crossing details only on crossings; source profiles name parties and crossings once each. */
function checkAidReferences(
  agreement: Agreement,
  party: (id: string, path: DocumentPath) => void,
  problems: ReferenceProblem[],
): void {
  const crossings = agreement.places.filter((p) => p.kind === 'crossing').map((p) => p.id);
  agreement.places.forEach((p, index) => {
    if (p.crossing && p.kind !== 'crossing') {
      problems.push({
        path: ['places', index, 'crossing'],
        message: `crossing details on a place of kind "${p.kind}"; set kind: crossing or remove them`,
      });
    }
    p.crossing?.closed.forEach((period, i) => {
      if (period.until !== undefined && Date.parse(period.until) <= Date.parse(period.from)) {
        problems.push({
          path: ['places', index, 'crossing', 'closed', i, 'until'],
          message: `a closure must end after it starts (${period.from})`,
        });
      }
    });
  });
  const seen = new Set<string>();
  (agreement.sourceProfiles ?? []).forEach((profile, index) => {
    const at: DocumentPath = ['sourceProfiles', index];
    party(profile.source, [...at, 'source']);
    if (seen.has(profile.source)) {
      problems.push({
        path: [...at, 'source'],
        message: `a second profile for source "${profile.source}"; keep one per source`,
      });
    }
    seen.add(profile.source);
    profile.crossings?.forEach((id, i) => {
      if (!crossings.includes(id)) {
        problems.push({
          path: [...at, 'crossings', i],
          message: `unknown crossing "${id}" (places of kind crossing: ${crossings.join(', ') || 'none'})`,
        });
      }
    });
  });
}
