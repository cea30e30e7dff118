import type { Status } from '@truce/core';
import { isSmallCell } from '../presenters/small-cells.js';
import { html, Markup } from './html.js';
import { type Dictionary, dictionaries, type Formatter, formatter, type Language } from './i18n.js';
import {
  type AidTable,
  aidDays,
  type PhaseLine,
  type ProgressLine,
  type ReportedLine,
  type SitrepCoverage,
  type SitrepModel,
} from './model.js';

/**
 * A count of persons as the report shows it: 1 to 4 as "fewer than 5" (presenters/small-cells),
 * since the report leaves the server and a small cell can single someone out; the persons'
 * pseudonymous ids are not listed either (they are in the events, for those who may read them).
 */
function personCount(n: number, f: { number(n: number): string }, t: { fewerThanFive: string }) {
  return isSmallCell(n) ? t.fewerThanFive : f.number(n);
}

/**
 * The page's only style sheet, inline so that the file stands alone (mail, print, archive).
 * Logical properties (`inline-start`) make one sheet serve left-to-right and right-to-left.
 * No `style` attributes anywhere: the API's Content-Security-Policy allows this sheet by hash.
 */
export const sitrepCss = `
@page { size: A4; margin: 14mm 12mm 16mm; }
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 190mm; padding: 8mm 0; color: #111;
  font: 10pt/1.4 "Noto Sans", "Noto Sans Arabic", "Noto Sans Hebrew", "DejaVu Sans", Arial, sans-serif; }
h1 { font-size: 15pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; padding-block-end: 1mm; border-block-end: 0.5mm solid #333; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; }
p { margin: 1.5mm 0; }
.kicker { text-transform: uppercase; letter-spacing: 0.05em; font-size: 9pt; color: #444; margin: 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.5mm 4mm; margin: 2mm 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.note { font-size: 9pt; color: #333; border-inline-start: 1mm solid #999; padding-inline-start: 2mm; }
.provisional { font-weight: 600; border-inline-start-color: #b45309; }
table { width: 100%; border-collapse: collapse; margin: 1.5mm 0 3mm; font-size: 9pt; }
th, td { border: 0.2mm solid #bbb; padding: 0.8mm 1.5mm; text-align: start; vertical-align: top;
  overflow-wrap: break-word; }
dd, li, h1, h3, .ids { overflow-wrap: anywhere; }
td.ob { min-width: 30mm; }
th { background: #eee; font-weight: 600; }
td.n, th.n { text-align: end; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.why { font-size: 8.5pt; color: #222; }
table.compliance { table-layout: fixed; }
table.compliance td.n, table.compliance .status { white-space: normal; }
col.c-ob { width: 19%; } col.c-by { width: 8%; } col.c-st { width: 10%; } col.c-pr { width: 11%; }
col.c-why { width: 42%; }
.id { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 8.5pt; }
.ids { font-size: 8pt; }
.muted { color: #666; }
.status { display: inline-block; padding: 0 1.5mm; border-radius: 1mm; font-weight: 600; white-space: nowrap; }
.s-not_started { background: #eee; color: #444; }
.s-on_track { background: #e0f2e9; color: #14532d; }
.s-at_risk { background: #fef3c7; color: #78350f; }
.s-met { background: #d1fae5; color: #065f46; }
.s-late { background: #e0e7ff; color: #3730a3; }
.s-breached { background: #fee2e2; color: #7f1d1d; }
.s-disputed { background: #fae8ff; color: #701a75; }
.s-suspended, .s-waived { background: #e5e7eb; color: #374151; }
.short { color: #7f1d1d; font-weight: 600; }
.claim { margin: 1mm 0; padding-inline-start: 2mm; border-inline-start: 0.6mm solid #ccc; }
section { break-inside: auto; }
footer { margin-top: 8mm; font-size: 8pt; color: #555; border-block-start: 0.2mm solid #bbb; padding-block-start: 1mm; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
`.trim();

interface Context {
  t: Dictionary;
  f: Formatter;
  model: SitrepModel;
}

/** The report as one self-contained HTML document in `language`; readable without JavaScript. */
export function renderSitrepHtml(model: SitrepModel, language: Language): string {
  const t = dictionaries[language];
  const f = formatter(language, model.agreement.timeZone);
  const c: Context = { t, f, model };
  const page = html`<!doctype html>
<html lang="${t.locale}" dir="${t.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="truce sitrep">
<title>${t.title} — ${model.agreement.id} — ${model.window.date}</title>
<style>${rawCss()}</style>
</head>
<body>
${header(c)}
<main>
${summary(c)}
${exchanges(c)}
${aid(c)}
${movement(c)}
${incidents(c)}
${disputes(c)}
${compliance(c)}
${sources(c)}
${warnings(c)}
</main>
<footer><bdi class="id">${model.agreement.id}</bdi> · ${t.version} ${f.number(model.agreement.version)} · ${model.window.date} · ${t.generatedAt} ${f.dateTime(model.generatedAt)}</footer>
</body>
</html>
`;
  return page.text;
}

/** The sheet is ours, not data, and holds no "<": it goes in as it is. */
function rawCss(): Markup {
  return new Markup(sitrepCss);
}

function header({ t, f, model }: Context): Markup {
  const { window } = model;
  return html`<header>
<p class="kicker">${t.title}</p>
<h1>${data(model.agreement.title)}</h1>
<dl class="meta">
<dt>${t.agreement}</dt><dd><bdi class="id">${model.agreement.id}</bdi>, ${t.version} ${f.number(model.agreement.version)}</dd>
<dt>${t.date}</dt><dd>${f.date(window.from)} — ${t.day(f.number(window.day))}</dd>
<dt>${t.phase}</dt><dd>${phaseLine(t, f, model.current)}</dd>
<dt>${t.timeZone}</dt><dd><bdi>${model.agreement.timeZone}</bdi></dd>
<dt>${t.asOf}</dt><dd>${f.dateTime(window.asOf)}</dd>
<dt>${t.generatedAt}</dt><dd>${f.dateTime(model.generatedAt)}</dd>
<dt>${t.coverage}</dt><dd>${coverage(t, f, model.coverage)}</dd>
</dl>
${window.complete ? '' : html`<p class="note provisional">${t.provisional}</p>`}
<p class="note">${t.explanationsInEnglish}</p>
</header>`;
}

function phaseLine(t: Dictionary, f: Formatter, phase: PhaseLine | null): string {
  if (!phase || phase.dayOfPhase === null) return t.noActivePhase;
  return t.phaseDay(
    phase.name,
    f.number(phase.dayOfPhase),
    phase.lengthDays === null ? null : f.number(phase.lengthDays),
  );
}

function coverage(t: Dictionary, f: Formatter, value: SitrepCoverage): Markup {
  if (value.kind === 'file') {
    return html`${t.eventsFile(value.file, f.number(value.events))}`;
  }
  const checkpoint = value.checkpoint;
  return html`${t.ledger(f.number(value.size))}; ${
    checkpoint
      ? html`${t.checkpoint(f.number(checkpoint.size), f.dateTime(checkpoint.savedAt))}, ${t.rootHash} <bdi class="id">${checkpoint.rootHash}</bdi>`
      : t.noCheckpoint
  }`;
}

function status(t: Dictionary, value: Status, underlying: Status | null = null): Markup {
  return html`<span class="status s-${value}">${t.statuses[value]}</span>${
    underlying ? html` <span class="muted">(${t.statuses[underlying]})</span>` : ''
  }`;
}

/** Text of the agreement or of a report (English, usually): isolated, so RTL pages order it right. */
function data(value: string): Markup {
  return html`<bdi>${value}</bdi>`;
}

function id(value: string): Markup {
  return html`<bdi class="id">${value}</bdi>`;
}

function parties(model: SitrepModel, ids: readonly string[]): Markup {
  return data(ids.map((p) => model.names[p] ?? p).join(', '));
}

function org(model: SitrepModel, value: string): Markup {
  return data(model.names[value] ?? value);
}

function signed(f: Formatter, n: number): Markup {
  return html`<bdi dir="ltr">${n === 0 ? f.number(0) : n > 0 ? `+${f.number(n)}` : `−${f.number(-n)}`}</bdi>`;
}

/** "16 / 33 persons": the unit is the agreement's (English) word, so the run is isolated LTR. */
function progress(f: Formatter, done: number, required: number | null, unit: string): Markup {
  return html`<bdi dir="ltr">${
    required === null
      ? `${f.number(done)} ${unit}`
      : `${f.number(done)} / ${f.number(required)} ${unit}`
  }</bdi>`;
}

function quantity(f: Formatter, n: number, unit: string): Markup {
  return html`<bdi dir="ltr">${f.number(n)} ${unit}</bdi>`;
}

function section(name: string, title: string, body: Markup): Markup {
  return html`<section id="${name}"><h2>${title}</h2>
${body}
</section>`;
}

function nothing(t: Dictionary): Markup {
  return html`<p class="muted">${t.nothing}</p>`;
}

function summary({ t, f, model }: Context): Markup {
  const { counts, previousCounts, transitions } = model.summary;
  const rows = (Object.keys(counts) as Status[]).filter(
    (s) => counts[s] > 0 || previousCounts[s] > 0,
  );
  return section(
    'summary',
    t.sections.summary,
    html`<table class="counts">
<thead><tr><th>${t.status}</th><th class="n">${t.now}</th><th class="n">${t.dayBefore}</th></tr></thead>
<tbody>${rows.map(
      (s) =>
        html`<tr><td>${status(t, s)}</td><td class="n">${f.number(counts[s])}</td><td class="n">${f.number(previousCounts[s])}</td></tr>`,
    )}</tbody>
</table>
<h3>${t.changes}</h3>
${
  transitions.length === 0
    ? html`<p>${t.noChanges}</p>`
    : html`<table>
<thead><tr><th>${t.obligation}</th><th>${t.previousStatus}</th><th>${t.status}</th><th>${t.why}</th></tr></thead>
<tbody>${transitions.map(
        (change) =>
          html`<tr><td class="ob">${data(change.title)}<br>${id(change.id)}</td><td>${
            change.from ? status(t, change.from) : '—'
          }</td><td>${status(t, change.to)}</td><td class="why" lang="en" dir="ltr">${change.why}</td></tr>`,
      )}</tbody>
</table>`
}`,
  );
}

function exchanges({ t, f, model }: Context): Markup {
  const { obligations, releases, withheld } = model.exchanges;
  return section(
    'exchanges',
    t.sections.exchanges,
    html`${
      obligations.length === 0
        ? nothing(t)
        : html`<table>
<thead><tr><th>${t.obligation}</th><th>${t.owedBy}</th><th>${t.status}</th><th class="n">${t.today}</th><th class="n">${t.made}</th><th class="n">${t.owed}</th></tr></thead>
<tbody>${obligations.map(
            (o) =>
              html`<tr><td class="ob">${data(o.title)}<br>${id(o.id)}</td><td>${parties(model, o.owedBy)}</td><td>${status(t, o.status)}</td><td class="n">${signed(f, o.done - o.donePrevious)}</td><td class="n">${quantity(f, o.done, o.unit)}</td><td class="n">${
                o.required === null ? '—' : quantity(f, o.required, o.unit)
              }</td></tr>`,
          )}</tbody>
</table>`
    }
<h3>${t.releasesByCategory}</h3>
${
  releases.length === 0
    ? nothing(t)
    : html`<table>
<thead><tr><th>${t.releasesByCategory}</th><th>${t.owedBy}</th><th>${t.category}</th><th class="n">${t.today}</th><th class="n">${t.total}</th></tr></thead>
<tbody>${releases.map(
        (r) =>
          html`<tr><td>${t.releaseTypes[r.type]}</td><td>${parties(model, r.by)}</td><td>${id(r.category)} <span class="muted">(${r.living ? t.living : t.deceased})</span></td><td class="n">${personCount(r.today, f, t)}</td><td class="n">${personCount(r.total, f, t)}</td></tr>`,
      )}</tbody>
<tfoot><tr><td colspan="5" class="muted" dir="auto">${t.smallCellsNote}</td></tr></tfoot>
</table>`
}
${
  withheld.length === 0
    ? ''
    : html`<h3>${t.withheld}</h3>
<table>
<thead><tr><th>${t.time}</th><th>${t.source}</th><th>${t.obligation}</th><th class="n">${t.persons}</th><th>${t.reason}</th></tr></thead>
<tbody>${withheld.map(
        (w) =>
          html`<tr><td>${f.time(w.at)}<br>${id(w.eventId)}</td><td>${org(model, w.source)}</td><td>${id(w.obligation)}</td><td class="n">${personCount(w.persons, f, t)}</td><td dir="auto">${w.reason}</td></tr>`,
      )}</tbody>
</table>`
}`,
  );
}

function aidTable({ t, f, model }: Context, table: AidTable): Markup {
  return html`<h3>${data(table.title)} ${id(table.id)} ${status(t, table.status)}</h3>
${table.partOf ? html`<p class="muted">${t.partOf(table.partOf)}</p>` : ''}
<table>
<thead><tr><th class="n">${t.dayColumn}</th><th>${t.date}</th>${table.sources.map(
    (s) => html`<th class="n" title="${model.names[s] ?? s}">${id(s)}</th>`,
  )}<th class="n">${t.counted}</th><th class="n">${t.required}</th><th></th></tr></thead>
<tbody>${table.rows.map(
    (row) =>
      html`<tr><td class="n">${f.number(row.day)}</td><td>${f.date(row.from)}</td>${row.bySource.map(
        (value) => html`<td class="n">${value === null ? '—' : f.number(value)}</td>`,
      )}<td class="n">${row.reported ? f.number(row.done) : '—'}</td><td class="n">${quantity(f, row.required, table.unit)}</td><td>${
        !row.complete
          ? html`<span class="muted">${t.inProgress}</span>`
          : !row.reported
            ? html`<span class="muted">${t.noFigures}</span>`
            : row.met
              ? t.met
              : html`<span class="short">${t.short}</span>`
      }</td></tr>`,
  )}</tbody>
</table>
${
  table.reconciliation
    ? html`<p class="muted">${t.reconciled(f.number(table.reconciliation.day))} <span lang="en" dir="ltr">${data(table.reconciliation.text.join('; '))}</span></p>`
    : ''
}`;
}

function aid(c: Context): Markup {
  const { t, f, model } = c;
  const { daily, totals } = model.aid;
  return section(
    'aid',
    t.sections.aid,
    html`${daily.length === 0 && totals.length === 0 ? nothing(t) : ''}
${daily.length > 0 ? html`<p class="muted">${t.lastDays(f.number(aidDays))}</p>` : ''}
${daily.map((table) => aidTable(c, table))}
${
  totals.length === 0
    ? ''
    : html`<h3>${t.wholePeriod}</h3>
<table>
<thead><tr><th>${t.obligation}</th><th>${t.status}</th><th class="n">${t.progress}</th><th>${t.source}</th></tr></thead>
<tbody>${totals.map(
        (o) =>
          html`<tr><td class="ob">${data(o.title)}<br>${id(o.id)}</td><td>${status(t, o.status)}</td><td class="n">${progress(f, o.done, o.required, o.unit)}</td><td>${o.sources.map(
            (s, i) => html`${i > 0 ? '; ' : ''}${org(model, s.source)}: ${f.number(s.done)}`,
          )}</td></tr>`,
      )}</tbody>
</table>`
}`,
  );
}

function obligationTable({ t, f }: Context, lines: readonly ProgressLine[]): Markup {
  return html`<table>
<thead><tr><th>${t.obligation}</th><th>${t.status}</th><th class="n">${t.progress}</th><th>${t.why}</th></tr></thead>
<tbody>${lines.map(
    (o) =>
      html`<tr><td class="ob">${data(o.title)}<br>${id(o.id)}</td><td>${status(t, o.status)}</td><td class="n">${progress(f, o.done, o.required, o.unit)}</td><td class="why" lang="en" dir="ltr">${o.why}</td></tr>`,
  )}</tbody>
</table>`;
}

function reportedTable({ t, f, model }: Context, lines: readonly ReportedLine[]): Markup {
  if (lines.length === 0) return nothing(t);
  return html`<table>
<thead><tr><th>${t.time}</th><th>${t.reportedThatDay}</th><th>${t.source}</th><th>${t.details}</th></tr></thead>
<tbody>${lines.map(
    (line) =>
      html`<tr><td>${f.dateTime(line.at)}<br>${id(line.eventId)}</td><td>${t.eventTypes[line.type] ?? line.type}</td><td>${org(model, line.source)}</td><td>${Object.entries(
        line.fields,
      ).map(
        ([key, value]) =>
          html`<div><span class="muted">${t.fieldNames[key] ?? key}:</span> <span dir="auto">${
            typeof value === 'number' ? f.number(value) : value
          }</span></div>`,
      )}${line.correctedBy ? html`<div class="muted">${t.correctedBy(line.correctedBy)}</div>` : ''}</td></tr>`,
  )}</tbody>
</table>`;
}

function movement(c: Context): Markup {
  const { t, model } = c;
  return section(
    'movement',
    t.sections.movement,
    html`${model.movement.obligations.length > 0 ? obligationTable(c, model.movement.obligations) : ''}
<h3>${t.reportedThatDay}</h3>
${reportedTable(c, model.movement.reports)}`,
  );
}

function incidents(c: Context): Markup {
  const { t, model } = c;
  return section(
    'incidents',
    t.sections.incidents,
    html`<h3>${t.reportedThatDay}</h3>
${reportedTable(c, model.incidents.reports)}
<h3>${t.findings}</h3>
${reportedTable(c, model.incidents.findings)}
<h3>${t.awaitingFinding}</h3>
${reportedTable(c, model.incidents.awaitingFinding)}`,
  );
}

function disputes(c: Context): Markup {
  const { t, f, model } = c;
  const { open, resolved } = model.disputes;
  return section(
    'disputes',
    t.sections.disputes,
    html`${open.length === 0 ? nothing(t) : ''}
${open.map(
  (d) => html`<article class="dispute">
<h3>${id(d.id)} — <span dir="auto">${d.subject}</span></h3>
<p>${t.obligation}: ${d.obligations.map((o, i) => html`${i > 0 ? ', ' : ''}${id(o)}`)} · ${t.opened} ${f.dateTime(d.openedAt)}, ${org(model, d.openedBy)}</p>
${d.claims.map(
  (claim) =>
    html`<div class="claim"><strong>${org(model, claim.by)}:</strong> <span dir="auto">${claim.claim}</span>${
      claim.evidence.length > 0
        ? html` <span class="muted">(${t.evidence}: ${claim.evidence.map((e, i) => html`${i > 0 ? ', ' : ''}${id(e)}`)})</span>`
        : ''
    }</div>`,
)}
</article>`,
)}
<h3>${t.resolvedThatDay}</h3>
${reportedTable(c, resolved)}`,
  );
}

function compliance({ t, f, model }: Context): Markup {
  return section(
    'compliance',
    t.sections.compliance,
    html`<table class="compliance">
<colgroup><col class="c-ob"><col class="c-by"><col class="c-st"><col class="c-st"><col class="c-pr"><col class="c-why"></colgroup>
<thead><tr><th>${t.obligation}</th><th>${t.owedBy}</th><th>${t.status}</th><th>${t.previousStatus}</th><th class="n">${t.progress}</th><th>${t.why}</th></tr></thead>
<tbody>${model.compliance.map(
      (o) =>
        html`<tr><td class="ob">${data(o.title)}<br>${id(o.id)}</td><td>${parties(model, o.owedBy)}</td><td>${status(t, o.status, o.underlying)}</td><td>${
          o.previous ? status(t, o.previous) : '—'
        }</td><td class="n">${progress(f, o.done, o.required, o.unit)}</td><td class="why" lang="en" dir="ltr">${o.why}${
          o.alternatives.length > 0
            ? html`<br><span class="muted">${t.alternatives}: ${o.alternatives.map(
                (a, i) => html`${i > 0 ? '; ' : ''}${id(a.source)} → ${t.statuses[a.status]}`,
              )}</span>`
            : ''
        }</td></tr>`,
    )}</tbody>
</table>`,
  );
}

function sources({ t, f, model }: Context): Markup {
  const { documents, reporters } = model.sources;
  return section(
    'sources',
    t.sections.sources,
    html`<h3>${t.documents}</h3>
${
  documents.length === 0
    ? nothing(t)
    : html`<ul>${documents.map(
        (d) =>
          // One isolate for the document's whole description, so its punctuation stays with it.
          html`<li>${id(d.id)} — ${data(
            `${d.title}${d.citation ? `. ${d.citation}` : ''}${d.date ? ` (${d.date})` : ''}`,
          )}${d.url ? html` <bdi class="id">${d.url}</bdi>` : ''}</li>`,
      )}</ul>`
}
<h3>${t.reportingOrganisations}</h3>
${
  reporters.length === 0
    ? nothing(t)
    : html`<table>
<thead><tr><th>${t.source}</th><th class="n">${t.reports}</th><th>${t.types}</th></tr></thead>
<tbody>${reporters.map(
        (r) =>
          html`<tr><td>${org(model, r.org)} ${id(r.org)}</td><td class="n">${f.number(r.reports)}</td><td class="ids" dir="ltr">${r.types.join(', ')}</td></tr>`,
      )}</tbody>
</table>`
}`,
  );
}

function warnings({ t, model }: Context): Markup {
  if (model.warnings.length === 0) return html``;
  return section(
    'warnings',
    t.sections.warnings,
    html`<ul>${model.warnings.map(
      (w) => html`<li>${id(w.eventId)}: <span lang="en" dir="ltr">${w.message}</span></li>`,
    )}</ul>`,
  );
}
