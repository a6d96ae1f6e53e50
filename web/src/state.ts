// The page's state, shared by the router and the views: its runtime settings and API client (set once at start),
// which navigation is current, and the object URLs of opened documents (let go when the user moves on).
import type { QuillClient } from '../../client/src/index.ts';
import type { PageConfig } from './session.ts';

export let cfg: PageConfig;
export let client: QuillClient;

export function setUp(config: PageConfig, apiClient: QuillClient): void {
  cfg = config;
  client = apiClient;
}

/**
 * Each route() call is one navigation. Several can overlap (a hash change and a sign-in both route, and a view's fetch
 * takes time), so a view whose answer arrives after a newer navigation began drops it instead of drawing over the newer
 * screen, and over whatever the user has typed there since.
 */
let navigation = 0;
export const beginNavigation = (): number => ++navigation;
export const currentNavigation = (): number => navigation;
export const superseded = (nav: number): boolean => nav !== navigation;

const objectUrls: string[] = [];
export const keepObjectUrl = (url: string): number => objectUrls.push(url);
export function revokeObjectUrls(): void {
  for (const u of objectUrls.splice(0)) URL.revokeObjectURL(u);
}
