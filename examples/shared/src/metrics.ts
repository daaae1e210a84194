import { protectimusMetrics, type Protectimus } from '@protectimus-mail/core';
import { Registry } from 'prom-client';

/** Where both sites answer Prometheus's scrapes, outside production only. */
export const METRICS_PATH = '/metrics';

/** What `GET /metrics` answers: the Prometheus text format of the site's own registry. */
export interface SiteMetrics {
  scrape(): Promise<{ contentType: string; body: string }>;
  /** Stops measuring (on close). */
  stop(): void;
}

/**
 * The instance's metrics (`protectimusMetrics`) in a registry of this site's own, not
 * prom-client's global one, so two sites in one process (the tests) each count their own. The
 * page is open to anyone who reaches the site, so the sites mount it only outside production: a
 * real app serves its metrics on an internal port or behind its own network rule, not to the web.
 */
export function siteMetrics(pm: Protectimus): SiteMetrics {
  const registry = new Registry();
  const metrics = protectimusMetrics(pm, { registry });
  return {
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    stop: () => metrics.stop(),
  };
}
