import type { CaptureRoute } from './router.ts';

/** The v2 server events API (reference/fullstory-schema.md §8). */
export const serverApiRoutes: CaptureRoute[] = [];
