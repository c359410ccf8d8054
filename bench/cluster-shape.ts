/** The shape of bench/cluster.ts: routes × codes counter series per worker (10 000). */
export const SERIES_ROUTES = 1000;
export const SERIES_CODES = 10;
