/**
 * `GET /metrics` as both example sites serve it, over HTTP (supertest): outside production the
 * Prometheus text format of the site's instance, counting what a sign-in through both factors did
 * and naming no login or address; in production not served at all. Each site's route tests
 * register these cases.
 */
import type { Site, SiteConfig } from '@protectimus-mail/example-shared';
import request from 'supertest';
import { DEMO, passBothFactors, testConfig } from './site-helpers';

export function metricsCases(getSite: () => Site<unknown>): void {
  test('/metrics answers the Prometheus text format, counting a sign-in by resource and naming no one', async () => {
    const site = getSite();
    const before = await request(site.handler).get('/metrics').expect(200);
    expect(before.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8/);
    expect(before.text).toContain('# TYPE protectimus_codes_sent_total counter');
    expect(before.text).toContain('# TYPE protectimus_authenticate_duration_seconds histogram');
    expect(before.text).toMatch(/^protectimus_store_up 1$/m);
    const count = (text: string, name: string) => Number(new RegExp(`^${name}\\{resource="account"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

    await passBothFactors(site, request.agent(site.handler), 'bob');
    const after = await request(site.handler).get('/metrics').expect(200);
    expect(count(after.text, 'protectimus_codes_sent_total')).toBe(count(before.text, 'protectimus_codes_sent_total') + 1);
    expect(count(after.text, 'protectimus_codes_verified_total')).toBe(count(before.text, 'protectimus_codes_verified_total') + 1);
    expect(after.text).toMatch(/^protectimus_mail_delivery_seconds_count\{outcome="ok"\} [1-9]/m);
    for (const who of ['bob', DEMO.bob.email, 'alice', DEMO.alice.email, '@']) expect(after.text).not.toContain(who);
  });
}

/** In production the sites do not serve /metrics (it would be open to anyone who reaches them). */
export function metricsOffCases(createSite: (config: SiteConfig) => Promise<Site<unknown>>): void {
  test('/metrics is not served with NODE_ENV=production', async () => {
    const site = await createSite(testConfig({ production: true, smtpUrl: 'smtp://127.0.0.1:9', sessionSecret: 's'.repeat(32) }));
    try {
      const res = await request(site.handler).get('/metrics');
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('protectimus_');
    } finally {
      await site.close();
    }
  });
}
