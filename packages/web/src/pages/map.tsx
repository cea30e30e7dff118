import 'maplibre-gl/dist/maplibre-gl.css';
import '../map/map.css';
import type { Agreement } from '@truce/core';
import type { FeatureCollection } from 'geojson';
import {
  type GeoJSONSource,
  type LngLatBoundsLike,
  type MapLayerMouseEvent,
  Map as MapLibreMap,
  Marker,
  NavigationControl,
  Popup,
  type PositionAnchor,
  ScaleControl,
  type StyleSpecification,
  setWorkerUrl,
} from 'maplibre-gl';
// The worker is a separate file: served from this origin it satisfies `worker-src 'self'`.
// MapLibre's own default looks for it next to its module, which a bundle does not keep.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, type StatusResponse } from '../api.ts';
import { agreementDay } from '../days.ts';
import { type I18n, type MessageKey, translate, useI18n } from '../i18n.tsx';
import { useData } from '../live.ts';
import { agreementZoneFeatures, phasesAt, type ZoneLayerResponse } from '../map/agreement-zones.ts';
import { EventCache, type EventsPage } from '../map/events.ts';
import {
  clamp,
  crossingFeatures,
  effectiveEvents,
  type IncidentCategory,
  incidentCategories,
  incidentFeatures,
  type MapEvent,
  mapEventTypes,
  type Passage,
  type PassageState,
  passagesAt,
  placePositions,
  type ReturnTotals,
  returnsByRoute,
  schematicFeatures,
  timeRange,
  withdrawalsAt,
} from '../map/layers.ts';
import { schematic } from '../map/schematic.ts';

setWorkerUrl(workerUrl);

/**
 * The map: a schematic outline of the Strip, its zones, corridors and routes (bundled, drawn by
 * hand: see map/README.md), the agreement's crossings coloured open or closed, incidents by
 * category and returns counted by route, all as they stood at the time chosen on the slider.
 * No tiles, fonts or styles from the network: MapLibre draws GeoJSON on a plain background,
 * and every label is an HTML element, so it works offline and in Arabic and Hebrew.
 */

const layerGroups = ['outline', 'zones', 'routes', 'crossings', 'incidents', 'returns'] as const;
type LayerGroup = (typeof layerGroups)[number];

/** The MapLibre layers each toggle shows or hides (returns and labels are HTML markers). */
const mapLayers: Record<LayerGroup, string[]> = {
  outline: ['outline-fill', 'outline-line'],
  zones: [
    'zones-fill',
    'zones-line',
    'corridors-line',
    'evacuation-fill',
    'withdrawal-line',
    'checkpoints-circle',
  ],
  routes: ['routes-line'],
  crossings: ['crossings-circle'],
  incidents: ['incidents-circle'],
  returns: [],
};

const colours = {
  sea: '#cfdde6',
  land: '#f3eee2',
  border: '#6f6656',
  bufferZone: '#b7791f',
  corridor: '#7e3fa0',
  open: '#2e7d4f',
  closed: '#b42318',
  unknown: '#8a8f98',
  route: '#2f6f9f',
  withdrawalLine: '#b42318',
  evacuation: '#d97706',
  checkpoint: '#1f2d3d',
} as const;

const passageColours: Record<PassageState, string> = {
  open: colours.open,
  closed: colours.closed,
  unknown: colours.unknown,
};

const categoryColours: Record<IncidentCategory, string> = {
  fire: '#d62728',
  incursion: '#ff7f0e',
  flight: '#9467bd',
  obstruction_of_aid: '#8c564b',
  obstruction_of_returns: '#e377c2',
  ill_treatment: '#17becf',
  other: '#555555',
};

/** Around the notes' bounding box, with a margin; the map does not pan far from it. */
const bounds: LngLatBoundsLike = [
  [34.13, 31.21],
  [34.58, 31.61],
];
const maxBounds: LngLatBoundsLike = [
  [33.6, 30.9],
  [35.1, 31.95],
];

const style: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': colours.sea } }],
};

/** The side of a route's returns label that touches its anchor (see map/README.md). */
const labelAnchors = new Map<string, PositionAnchor>();
for (const feature of schematic.features) {
  const p = feature.properties;
  if (p?.layer === 'anchor' && typeof p.place === 'string' && typeof p.labelAnchor === 'string') {
    labelAnchors.set(p.place, p.labelAnchor as PositionAnchor);
  }
}

const DAY = 86_400_000;

const empty: FeatureCollection = { type: 'FeatureCollection', features: [] };

function addLayers(map: MapLibreMap): void {
  map.addSource('schematic', {
    type: 'geojson',
    data: schematicFeatures(schematic, new Map(), new Map()),
  });
  map.addSource('agreement-zones', { type: 'geojson', data: empty });
  map.addSource('crossings', { type: 'geojson', data: empty });
  map.addSource('incidents', { type: 'geojson', data: empty });
  const is = (layer: string) => ['==', ['get', 'layer'], layer] as ['==', ['get', string], string];
  map.addLayer({
    id: 'outline-fill',
    type: 'fill',
    source: 'schematic',
    filter: is('outline'),
    paint: { 'fill-color': colours.land },
  });
  map.addLayer({
    id: 'outline-line',
    type: 'line',
    source: 'schematic',
    filter: is('outline'),
    paint: { 'line-color': colours.border, 'line-width': 1.5, 'line-dasharray': [4, 2] },
  });
  map.addLayer({
    id: 'zones-fill',
    type: 'fill',
    source: 'schematic',
    filter: is('zone'),
    paint: {
      'fill-color': [
        'match',
        ['get', 'place'],
        'buffer-zone',
        colours.bufferZone,
        colours.corridor,
      ],
      'fill-opacity': ['case', ['get', 'withdrawn'], 0.12, 0.35],
    },
  });
  map.addLayer({
    id: 'zones-line',
    type: 'line',
    source: 'schematic',
    filter: is('zone'),
    paint: {
      'line-color': [
        'match',
        ['get', 'place'],
        'buffer-zone',
        colours.bufferZone,
        colours.corridor,
      ],
      'line-width': 1,
    },
  });
  map.addLayer({
    id: 'corridors-line',
    type: 'line',
    source: 'schematic',
    filter: is('corridor'),
    paint: {
      'line-color': colours.corridor,
      'line-width': ['interpolate', ['linear'], ['zoom'], 9, 3, 14, 8],
      'line-opacity': ['case', ['get', 'withdrawn'], 0.35, 0.85],
    },
  });
  map.addLayer({
    id: 'routes-line',
    type: 'line',
    source: 'schematic',
    filter: is('route'),
    layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: {
      'line-color': [
        'match',
        ['get', 'state'],
        'open',
        colours.open,
        'closed',
        colours.closed,
        colours.route,
      ],
      'line-width': ['interpolate', ['linear'], ['zoom'], 9, 2.5, 14, 6],
    },
  });
  // From the zone layer the agreement pins: what the schematic does not draw.
  map.addLayer({
    id: 'evacuation-fill',
    type: 'fill',
    source: 'agreement-zones',
    filter: is('evacuation_area'),
    paint: { 'fill-color': colours.evacuation, 'fill-opacity': 0.3 },
  });
  map.addLayer({
    id: 'withdrawal-line',
    type: 'line',
    source: 'agreement-zones',
    filter: is('withdrawal_line'),
    paint: { 'line-color': colours.withdrawalLine, 'line-width': 2, 'line-dasharray': [3, 2] },
  });
  map.addLayer({
    id: 'checkpoints-circle',
    type: 'circle',
    source: 'agreement-zones',
    filter: is('checkpoint'),
    paint: {
      'circle-radius': 4,
      'circle-color': colours.checkpoint,
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 1.5,
    },
  });
  map.addLayer({
    id: 'crossings-circle',
    type: 'circle',
    source: 'crossings',
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 7, 14, 11],
      'circle-color': [
        'match',
        ['get', 'state'],
        'open',
        colours.open,
        'closed',
        colours.closed,
        colours.unknown,
      ],
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2,
    },
  });
  // Above the crossings: an incident at a crossing shows inside its ring.
  map.addLayer({
    id: 'incidents-circle',
    type: 'circle',
    source: 'incidents',
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 9, 4.5, 14, 8],
      'circle-color': [
        'match',
        ['get', 'category'],
        ...incidentCategories.flatMap((c) => [c, categoryColours[c]]),
        categoryColours.other,
      ] as unknown as string,
      'circle-stroke-color': '#1f2d3d',
      'circle-stroke-width': 1,
    },
  });
}

function element(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  node.dir = 'auto';
  return node;
}

/** Popup contents as DOM nodes (never HTML strings: descriptions come from reporters). */
function popupContent(lines: { text: string; strong?: boolean }[]): HTMLElement {
  const box = element('div', 'map-popup');
  for (const line of lines) box.append(element(line.strong ? 'strong' : 'p', '', line.text));
  return box;
}

function passageText(i18n: I18n, state: PassageState, passage?: Pick<Passage, 'since'>): string {
  const word = i18n.t(`map.state.${state}` as MessageKey);
  return passage
    ? `${word} · ${i18n.t('map.since', { time: i18n.dateTime(passage.since) })}`
    : word;
}

function returnsText(i18n: I18n, totals: ReturnTotals): string {
  return (['north', 'south', 'in', 'out'] as const)
    .filter((d) => totals[d] > 0)
    .map((d) => i18n.t(`map.returns.${d}` as MessageKey, { n: i18n.number(totals[d]) }))
    .join(' · ');
}

function Swatch({
  colour,
  shape = 'box',
  opacity,
}: {
  colour: string;
  shape?: 'box' | 'dot' | 'line';
  opacity?: number;
}) {
  return (
    <i
      className={`map-swatch ${shape}`}
      aria-hidden="true"
      style={{ background: colour, color: colour, ...(opacity !== undefined ? { opacity } : {}) }}
    />
  );
}

export function MapPage(props: {
  status: StatusResponse;
  agreement: Agreement | undefined;
  canReadEvents: boolean;
  version: number;
}) {
  const { status, agreement, canReadEvents, version } = props;
  const i18n = useI18n();
  const { t, dateTime, number, language } = i18n;
  const i18nRef = useRef(i18n);
  i18nRef.current = i18n;

  // --- Events (staff only), as they read after corrections and retractions.
  const cache = useRef<EventCache>(undefined);
  const loaded = useData(async () => {
    if (!canReadEvents) return undefined;
    cache.current ??= new EventCache(mapEventTypes, (type, cursor) =>
      api<EventsPage>(`/api/v1/events?type=${encodeURIComponent(type)}&cursor=${cursor}&limit=500`),
    );
    return cache.current.refresh(status.ledgerSize);
  }, `${version}/${canReadEvents}`);
  const mediators = useMemo(
    () =>
      new Set(
        (agreement?.parties ?? [])
          .filter((party) => party.roles.includes('mediator'))
          .map((party) => party.id),
      ),
    [agreement],
  );
  const events: MapEvent[] = useMemo(
    () => (loaded.data ? effectiveEvents(loaded.data, mediators) : []),
    [loaded.data, mediators],
  );

  // --- Time: a phase, and a moment in it (by default now, following asOf as it moves).
  const startedPhases = status.phases.filter((phase) => phase.startedAt !== null);
  const [phaseId, setPhaseId] = useState<string>();
  const range = timeRange(status.phases, status.asOf, phaseId);
  const [chosen, setChosen] = useState<number>();
  const at = clamp(range, chosen ?? Date.parse(status.asOf));
  const atIso = new Date(at).toISOString();

  // --- What the map shows at that moment.
  const places = useMemo(() => agreement?.places ?? [], [agreement]);
  const positions = useMemo(() => placePositions(places, schematic), [places]);
  const passages = useMemo(() => passagesAt(events, at), [events, at]);
  const withdrawals = useMemo(() => withdrawalsAt(events, at), [events, at]);
  const returns = useMemo(() => returnsByRoute(events, at), [events, at]);
  const crossings = useMemo(() => crossingFeatures(places, passages), [places, passages]);
  const incidents = useMemo(() => incidentFeatures(events, positions, at), [events, positions, at]);
  const zones = useMemo(
    () => schematicFeatures(schematic, passages, withdrawals),
    [passages, withdrawals],
  );
  // The zone layer the agreement version pins, if it has one and it was uploaded (else 404).
  const zoneLayer = useData(async () => {
    try {
      return await api<ZoneLayerResponse>('/api/v1/zones?all=true');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return undefined;
      throw error;
    }
  }, `${status.agreement.id}/${status.agreement.version}`);
  const zoneDay = agreementDay(atIso, status, status.agreement.timeZone);
  // Returns beside the permissions that allow them, as the engine sees them now.
  const returnsView = useData(
    async () =>
      api<{
        routes: {
          route: string;
          permissions: { obligation: string; title: string; status: string; why: string }[];
          flags: { eventId: string; message: string }[];
        }[];
      }>(`/api/v1/returns?asOf=${encodeURIComponent(status.asOf)}`),
    `${status.ledgerSize}/${status.asOf}`,
  );
  const agreementZones = useMemo(
    () =>
      agreementZoneFeatures(zoneLayer.data, {
        day: zoneDay,
        at,
        phases: phasesAt(status.phases, at),
      }),
    [zoneLayer.data, zoneDay, at, status.phases],
  );
  const [visible, setVisible] = useState<Record<LayerGroup, boolean>>({
    outline: true,
    zones: true,
    routes: true,
    crossings: true,
    incidents: true,
    returns: true,
  });

  // --- The map itself, made again when the language changes (its controls' labels).
  const container = useRef<HTMLDivElement>(null);
  const mapRef = useRef<MapLibreMap>(undefined);
  const [ready, setReady] = useState(0);
  const [mapError, setMapError] = useState<string>();
  useEffect(() => {
    const node = container.current;
    if (!node) return;
    const tr = (key: MessageKey) => translate(language, key);
    let map: MapLibreMap;
    try {
      map = new MapLibreMap({
        container: node,
        style,
        bounds,
        fitBoundsOptions: { padding: 16 },
        maxBounds,
        renderWorldCopies: false,
        dragRotate: false,
        pitchWithRotate: false,
        touchPitch: false,
        attributionControl: { compact: false, customAttribution: tr('map.attribution') },
        locale: {
          'Map.Title': tr('map'),
          'NavigationControl.ZoomIn': tr('map.zoomIn'),
          'NavigationControl.ZoomOut': tr('map.zoomOut'),
          'Popup.Close': tr('map.closePopup'),
          'AttributionControl.ToggleAttribution': tr('map.attributionToggle'),
        },
      });
    } catch (error) {
      setMapError(error instanceof Error ? error.message : String(error));
      return;
    }
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    map.on('load', () => {
      addLayers(map);
      mapRef.current = map;
      setReady((n) => n + 1);
    });
    map.on('error', (event) => console.warn('map:', event.error));
    // Closed by its button or by a click beside every feature (MapLibre's own closeOnClick would
    // race with the click that opens the next one).
    const popup = new Popup({ closeButton: true, closeOnClick: false, maxWidth: '18rem' });
    const showIncident = (event: MapLayerMouseEvent, p: Record<string, string | undefined>) => {
      const i = i18nRef.current;
      const category = (p.category ?? 'other') as IncidentCategory;
      popup
        .setLngLat(event.lngLat)
        .setDOMContent(
          popupContent([
            {
              text: `${i.t(`map.category.${category}` as MessageKey)} · ${p.incident ?? ''}`,
              strong: true,
            },
            { text: i.dateTime(p.occurredAt ?? '') },
            { text: p.description ?? '' },
            {
              text: [
                i.t('map.reportedBy', { source: p.source ?? '' }),
                p.against ? i.t('map.against', { party: p.against }) : '',
                p.place ?? '',
              ]
                .filter(Boolean)
                .join(' · '),
            },
          ]),
        )
        .addTo(map);
    };
    const showCrossing = (event: MapLayerMouseEvent, p: Record<string, string | undefined>) => {
      const i = i18nRef.current;
      const state = (p.state ?? 'unknown') as PassageState;
      popup
        .setLngLat(event.lngLat)
        .setDOMContent(
          popupContent([
            { text: p.name ?? p.id ?? '', strong: true },
            { text: passageText(i, state, p.since ? { since: p.since } : undefined) },
            ...(p.detail ? [{ text: p.detail }] : []),
            ...(p.note ? [{ text: p.note }] : []),
          ]),
        )
        .addTo(map);
    };
    map.on('click', (event) => {
      const layers = ['incidents-circle', 'crossings-circle'].filter((id) => map.getLayer(id));
      if (map.queryRenderedFeatures(event.point, { layers }).length === 0) popup.remove();
    });
    // One handler for both layers: the topmost feature wins (an incident drawn on a crossing).
    map.on('click', ['incidents-circle', 'crossings-circle'], (event) => {
      const feature = event.features?.[0];
      if (!feature) return;
      const properties = feature.properties as Record<string, string | undefined>;
      if (feature.layer.id === 'incidents-circle') showIncident(event, properties);
      else showCrossing(event, properties);
    });
    for (const layer of ['incidents-circle', 'crossings-circle']) {
      map.on('mouseenter', layer, () => {
        map.getCanvas().style.cursor = 'pointer';
      });
      map.on('mouseleave', layer, () => {
        map.getCanvas().style.cursor = '';
      });
    }
    return () => {
      mapRef.current = undefined;
      popup.remove();
      map.remove();
    };
  }, [language]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `ready` is the trigger (a new map)
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    map.getSource<GeoJSONSource>('schematic')?.setData(zones);
    map.getSource<GeoJSONSource>('agreement-zones')?.setData(agreementZones);
    map.getSource<GeoJSONSource>('crossings')?.setData(crossings);
    map.getSource<GeoJSONSource>('incidents')?.setData(incidents.collection);
  }, [ready, zones, agreementZones, crossings, incidents]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `ready` is the trigger (a new map)
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    for (const group of layerGroups) {
      for (const layer of mapLayers[group]) {
        map.setLayoutProperty(layer, 'visibility', visible[group] ? 'visible' : 'none');
      }
    }
  }, [ready, visible]);

  // Labels: crossing names and returns by route, as HTML markers (no glyphs to download).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `ready` is the trigger (a new map)
  useEffect(() => {
    const map = mapRef.current;
    if (!map) return;
    const markers: Marker[] = [];
    if (visible.crossings) {
      for (const feature of crossings.features) {
        const label = element('div', 'map-label', feature.properties.name);
        label.setAttribute('aria-hidden', 'true');
        markers.push(
          new Marker({ element: label, anchor: 'bottom', offset: [0, -7] })
            .setLngLat(feature.geometry.coordinates as [number, number])
            .addTo(map),
        );
      }
    }
    if (visible.returns) {
      for (const [route, totals] of returns) {
        const position = positions.get(route);
        if (!position) continue;
        const name = places.find((place) => place.id === route)?.name ?? route;
        const badge = element('div', 'map-returns', returnsText(i18nRef.current, totals));
        badge.title = name;
        markers.push(
          new Marker({ element: badge, anchor: labelAnchors.get(route) ?? 'center' })
            .setLngLat(position as [number, number])
            .addTo(map),
        );
      }
    }
    return () => {
      for (const marker of markers) marker.remove();
    };
  }, [ready, crossings, returns, visible.crossings, visible.returns, positions, places, language]);

  const incidentCounts = new Map<IncidentCategory, number>();
  for (const feature of incidents.collection.features) {
    const c = feature.properties.category;
    incidentCounts.set(c, (incidentCounts.get(c) ?? 0) + 1);
  }
  const routes = places.filter((place) => place.kind === 'route');
  const passagePlaces = places.filter(
    (place) =>
      passages.has(place.id) ||
      place.kind === 'crossing' ||
      place.kind === 'checkpoint' ||
      place.kind === 'route',
  );
  const toggle = (group: LayerGroup) => (
    <label>
      <input
        type="checkbox"
        name={`layer-${group}`}
        checked={visible[group]}
        onChange={(e) => setVisible({ ...visible, [group]: e.target.checked })}
      />
      {t(`map.layer.${group}` as MessageKey)}
    </label>
  );
  const needsEvents = !canReadEvents ? <li className="muted">{t('map.needsEvents')}</li> : null;

  return (
    <div className="map-page">
      <header>
        <h1>{t('map')}</h1>
        <p className="warning small" data-testid="map-schematic">
          {t('map.schematicNote')}
        </p>
        {!canReadEvents ? (
          <p className="muted" role="note" data-testid="map-no-events">
            {t('map.noEvents')}
          </p>
        ) : loaded.error ? (
          <p role="alert" className="error">
            {t('error')}: {loaded.error.message}{' '}
            <button type="button" onClick={loaded.reload}>
              {t('retry')}
            </button>
          </p>
        ) : !loaded.data ? (
          <p className="muted">{t('loading')}</p>
        ) : null}
      </header>

      <section className="card map-time" aria-label={t('timeSlider')}>
        <div className="map-time-row">
          {startedPhases.length > 1 ? (
            <label>
              {t('phase')}{' '}
              <select
                name="phase"
                value={range.phase ?? ''}
                onChange={(e) => {
                  setPhaseId(e.target.value);
                  setChosen(undefined);
                }}
              >
                {startedPhases.map((phase) => (
                  <option key={phase.id} value={phase.id}>
                    {phase.name ?? phase.id}
                  </option>
                ))}
              </select>
            </label>
          ) : range.phase ? (
            <span>
              {t('phase')}: {startedPhases.find((p) => p.id === range.phase)?.name ?? range.phase}
            </span>
          ) : null}
          <label htmlFor="map-time" className="sr-only">
            {t('timeSlider')}
          </label>
          <input
            id="map-time"
            name="time"
            type="range"
            min={range.start}
            max={range.end}
            step={15 * 60 * 1000}
            value={at}
            aria-valuetext={dateTime(atIso)}
            onChange={(e) => setChosen(Number(e.target.value))}
            disabled={!canReadEvents || range.end <= range.start}
          />
          <output htmlFor="map-time" data-testid="map-time">
            {dateTime(atIso)}
          </output>
          <button
            type="button"
            className="link"
            onClick={() => setChosen(clamp(range, at - DAY))}
            disabled={!canReadEvents || at <= range.start}
          >
            {t('map.dayBack')}
          </button>
          <button
            type="button"
            className="link"
            onClick={() => setChosen(clamp(range, at + DAY))}
            disabled={!canReadEvents || at >= range.end}
          >
            {t('map.dayForward')}
          </button>
          <button
            type="button"
            onClick={() => setChosen(undefined)}
            disabled={chosen === undefined}
          >
            {t('map.now')}
          </button>
        </div>
        <div className="map-time-ends muted small">
          <span>{dateTime(new Date(range.start).toISOString())}</span>
          <span>
            {t('asOf')} {dateTime(status.asOf)} ({status.agreement.timeZone})
          </span>
        </div>
      </section>

      <div className="map-layout">
        <div className="map-canvas" dir="ltr">
          {/* Geography is not mirrored in RTL: east stays on the right. */}
          <div ref={container} style={{ position: 'absolute', inset: 0 }} data-testid="map" />
          <span className="map-stamp" dir="auto">
            {t('map.stamp')}
          </span>
          {mapError ? (
            <p
              role="alert"
              className="error"
              style={{ position: 'absolute', inset: '3rem 1rem auto' }}
            >
              {t('map.noWebgl')} ({mapError})
            </p>
          ) : null}
        </div>

        <aside className="card map-legend" aria-label={t('map.layers')}>
          <fieldset>
            <legend>{t('map.layers')}</legend>
            {toggle('outline')}
            <ul>
              <li>
                <Swatch colour={colours.land} /> {t('map.legend.outline')}
              </li>
            </ul>
            {toggle('zones')}
            <ul>
              <li>
                <Swatch colour={colours.bufferZone} opacity={0.6} /> {t('map.legend.bufferZone')}
              </li>
              <li>
                <Swatch colour={colours.corridor} opacity={0.6} /> {t('map.legend.corridors')}
              </li>
              <li>
                <Swatch colour={colours.corridor} opacity={0.2} /> {t('map.legend.withdrawn')}
              </li>
              {zoneLayer.data ? (
                <>
                  <li>
                    <Swatch colour={colours.withdrawalLine} shape="line" />{' '}
                    {t('map.legend.withdrawalLine')}
                  </li>
                  <li>
                    <Swatch colour={colours.evacuation} opacity={0.5} />{' '}
                    {t('map.legend.evacuationArea')}
                  </li>
                  <li>
                    <Swatch colour={colours.checkpoint} shape="dot" /> {t('map.legend.checkpoint')}
                  </li>
                  <li className="muted small" data-testid="map-zone-layer">
                    {t('map.zoneLayer', {
                      agreement: `${zoneLayer.data.agreement.id} v${zoneLayer.data.agreement.version}`,
                      day: zoneDay,
                      count: agreementZones.features.length,
                    })}{' '}
                    <span lang="en" dir="ltr">
                      {zoneLayer.data.attribution}
                    </span>
                  </li>
                </>
              ) : null}
            </ul>
            {toggle('routes')}
            <ul>
              <li>
                <Swatch colour={colours.route} shape="line" /> {t('map.state.unknown')}
              </li>
              <li>
                <Swatch colour={colours.open} shape="line" /> {t('map.state.open')}
              </li>
              <li>
                <Swatch colour={colours.closed} shape="line" /> {t('map.state.closed')}
              </li>
            </ul>
            {toggle('crossings')}
            <ul>
              {(['open', 'closed', 'unknown'] as const).map((state) => (
                <li key={state}>
                  <Swatch colour={passageColours[state]} shape="dot" /> {t(`map.state.${state}`)}
                </li>
              ))}
              {needsEvents}
            </ul>
            {toggle('incidents')}
            <ul>
              {incidentCategories.map((category) => (
                <li key={category}>
                  <Swatch colour={categoryColours[category]} shape="dot" />{' '}
                  {t(`map.category.${category}`)}
                  {canReadEvents ? ` (${number(incidentCounts.get(category) ?? 0)})` : ''}
                </li>
              ))}
              {incidents.unplaced > 0 ? (
                <li className="muted">{t('map.unplaced', { n: number(incidents.unplaced) })}</li>
              ) : null}
              {needsEvents}
            </ul>
            {toggle('returns')}
            <ul>
              <li>
                <Swatch colour={colours.route} shape="dot" /> {t('map.legend.returns')}
              </li>
              {needsEvents}
            </ul>
          </fieldset>
        </aside>
      </div>

      {/* The same facts as text: for screen readers, and when WebGL is not available. */}
      <section className="card map-summary" aria-label={t('map.summary')}>
        <h2>
          {t('map.summary')} — {dateTime(atIso)}
        </h2>
        <table data-testid="map-passages">
          <thead>
            <tr>
              <th>{t('crossing')}</th>
              <th>{t('status')}</th>
              <th>{t('map.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {passagePlaces.map((place) => {
              const passage = passages.get(place.id);
              return (
                <tr key={place.id} data-place={place.id} data-state={passage?.state ?? 'unknown'}>
                  <td dir="auto">{place.name}</td>
                  <td>
                    {canReadEvents
                      ? passageText(i18n, passage?.state ?? 'unknown', passage)
                      : t('map.needsEvents')}
                  </td>
                  <td dir="auto">{passage?.detail ?? ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {canReadEvents ? (
          <>
            <h3>{t('map.layer.returns')}</h3>
            {routes.length === 0 && returns.size === 0 ? null : (
              <table data-testid="map-returns">
                <tbody>
                  {[...new Set([...routes.map((r) => r.id), ...returns.keys()])].map((route) => {
                    const totals = returns.get(route);
                    const linked = returnsView.data?.routes.find((r) => r.route === route);
                    return (
                      <tr key={route} data-route={route}>
                        <td dir="auto">{places.find((p) => p.id === route)?.name ?? route}</td>
                        <td>{totals ? returnsText(i18n, totals) : t('map.noReturns')}</td>
                        <td className="small">
                          {(linked?.permissions ?? []).map((permission) => (
                            <div key={permission.obligation} title={permission.why}>
                              <span className={`badge badge-${permission.status}`}>
                                {t(`status.${permission.status}` as MessageKey)}
                              </span>{' '}
                              <span dir="auto">{permission.title}</span>
                            </div>
                          ))}
                          {linked?.flags.length ? (
                            <div
                              className="warning"
                              title={linked.flags.map((f) => f.message).join('\n')}
                            >
                              {t('map.returnsFlagged', { n: linked.flags.length })}
                            </div>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
            <h3>{t('map.layer.incidents')}</h3>
            <p data-testid="map-incidents">
              {t('map.incidentCount', {
                n: number(incidents.collection.features.length + incidents.unplaced),
              })}
            </p>
          </>
        ) : null}
      </section>
    </div>
  );
}
