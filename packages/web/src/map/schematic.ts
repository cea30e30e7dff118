import type { FeatureCollection } from 'geojson';
import data from './schematic.geo.json';

/** The bundled schematic drawing (see README.md), typed as the GeoJSON it is. */
export const schematic = data as FeatureCollection;
