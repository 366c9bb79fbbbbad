/**
 * The simulated Message center (`/v1.0/admin/serviceAnnouncement/messages`): realistic generated
 * posts, posts that revise themselves as the clock passes, `$filter` on `lastModifiedDateTime` and
 * paging like `/issues`, and `PATCH /_simulator/tenants/:tenantId/messages/:id`. Real HTTP, a
 * manual simulator clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_APP, type RunningSimulator } from '../../demo/simulator/index.js';
import { GRAPH, T0, appToken, control, graphGet, startTestSimulator } from './helpers.js';

type Message = {
  id: string;
  title: string;
  category: string;
  severity: string;
  tags: string[];
  isMajorChange: boolean;
  services: string[];
  lastModifiedDateTime: string;
  actionRequiredByDateTime: string | null;
  details: Array<{ name: string; value: string }>;
  body: { contentType: string; content: string };
};
type Page = { value: Message[]; '@odata.nextLink'?: string };

let sim: RunningSimulator;
let clock: Awaited<ReturnType<typeof startTestSimulator>>['clock'];

beforeAll(async () => {
  ({ sim, clock } = await startTestSimulator());
  // The built-in app is consented in the first tenant only; an admin consents in the others.
  for (const t of sim.tenants.slice(1, 3)) expect((await control(sim, 'POST', `/tenants/${t.tenantId}/consent`, { clientId: BUILT_IN_APP.clientId })).status).toBeLessThan(300);
});
afterAll(() => sim.close());

const HOUR = 3_600_000;
const token = (tenantIndex: number) => appToken(sim, sim.tenants[tenantIndex]!.tenantId, BUILT_IN_APP.clientId, BUILT_IN_APP.clientSecret);

async function page(path: string, bearer: string, headers: Record<string, string> = {}): Promise<Page> {
  const res = await graphGet(sim, path, bearer, headers);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Page;
}

/** Every page of a collection, following `@odata.nextLink`; also returns how many pages it took. */
async function all(path: string, bearer: string, headers: Record<string, string> = {}): Promise<{ items: Message[]; pages: number }> {
  const items: Message[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next) {
    const body = await page(next.startsWith('http') ? new URL(next).pathname + new URL(next).search : next, bearer, headers);
    items.push(...body.value);
    next = body['@odata.nextLink'];
    pages++;
  }
  return { items, pages };
}

const since = (iso: string) => `${GRAPH}/messages?$filter=${encodeURIComponent(`lastModifiedDateTime ge ${iso}`)}`;

describe('generated Message center posts', () => {
  it('look like Microsoft’s: MC ids, the three categories, major changes, tags, act-by dates and details', async () => {
    const posts: Message[] = [];
    for (let i = 0; i < 3; i++) posts.push(...(await all(`${GRAPH}/messages`, await token(i))).items);
    expect(posts.length).toBeGreaterThan(20);
    for (const post of posts) {
      expect(post.id).toMatch(/^MC\d{6}$/);
      expect(post.services.length).toBeGreaterThan(0);
      expect(post.details.find((d) => d.name === 'Summary')?.value).toMatch(/\.$/);
      expect(post.details.find((d) => d.name === 'ExternalLink')?.value).toContain(post.id);
      // An "(Updated)" title always comes with the tag, and the other way round.
      expect(post.title.startsWith('(Updated) '), post.title).toBe(post.tags.includes('Updated message'));
    }
    expect(new Set(posts.map((p) => p.category))).toEqual(new Set(['preventOrFixIssue', 'planForChange', 'stayInformed']));
    expect(new Set(posts.map((p) => p.severity))).toEqual(new Set(['normal', 'high', 'critical']));
    expect(posts.some((p) => p.isMajorChange)).toBe(true);
    expect(posts.some((p) => !p.isMajorChange)).toBe(true);
    const tags = new Set(posts.flatMap((p) => p.tags));
    for (const tag of ['Retirement', 'Admin impact', 'User impact', 'Feature update', 'Updated message']) expect(tags, tag).toContain(tag);
    const actBy = posts.filter((p) => p.actionRequiredByDateTime !== null);
    expect(actBy.length).toBeGreaterThan(0);
    for (const p of actBy) expect(p.actionRequiredByDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const withPlatforms = posts.filter((p) => p.details.some((d) => d.name === 'Platforms'));
    expect(withPlatforms.length).toBeGreaterThan(0);
    for (const post of withPlatforms) {
      const platforms = post.details.find((d) => d.name === 'Platforms')!.value.split(', ');
      // Each platform named has its rollout status.
      for (const platform of platforms) expect(['Scheduled', 'Rolling out', 'Complete']).toContain(post.details.find((d) => d.name === `${platform} rollout`)?.value);
    }
    expect(posts.some((p) => /^\d+(, \d+)*$/.test(p.details.find((d) => d.name === 'RoadmapIds')?.value ?? ''))).toBe(true);
  });

  it('revise themselves as time passes: lastModifiedDateTime moves on, "(Updated)", the tag, the note, the rollout a step further', async () => {
    const before = (await all(`${GRAPH}/messages`, await token(0))).items;
    // Nothing was modified after the simulator started.
    expect((await page(since(new Date(T0).toISOString()), await token(0))).value).toEqual([]);
    clock.advance(40 * HOUR);
    const bearer = await token(0);
    const changed = (await all(since(new Date(T0).toISOString()), bearer)).items;
    expect(changed.length).toBeGreaterThan(0);
    const after = (await all(`${GRAPH}/messages`, bearer)).items;
    expect(after.map((p) => p.id).sort()).toEqual(before.map((p) => p.id).sort());
    // The filter returns exactly the posts whose lastModifiedDateTime moved past T0.
    expect(changed.map((p) => p.id).sort()).toEqual(after.filter((p) => Date.parse(p.lastModifiedDateTime) >= T0).map((p) => p.id).sort());
    for (const post of changed) {
      const old = before.find((p) => p.id === post.id)!;
      expect(Date.parse(post.lastModifiedDateTime)).toBeGreaterThan(Date.parse(old.lastModifiedDateTime));
      expect(post.title).toBe(old.title.startsWith('(Updated) ') ? old.title : `(Updated) ${old.title}`);
      expect(post.tags).toContain('Updated message');
      expect(post.body.content).toMatch(/^<p>Updated [A-Z][a-z]+ \d{1,2}, \d{4}: /);
      expect(post.body.content.endsWith(old.body.content)).toBe(true);
      for (const detail of old.details.filter((d) => d.name.endsWith(' rollout'))) {
        const now = post.details.find((d) => d.name === detail.name)!.value;
        expect(detail.value === 'Complete' ? now === 'Complete' : now !== detail.value, `${post.id} ${detail.name}`).toBe(true);
      }
    }
  });

  it('pages with Prefer: odata.maxpagesize and @odata.nextLink, and filters on lastModifiedDateTime like /issues', async () => {
    const bearer = await token(1);
    const whole = (await all(`${GRAPH}/messages`, bearer)).items;
    const paged = await all(`${GRAPH}/messages`, bearer, { Prefer: 'odata.maxpagesize=3' });
    expect(paged.pages).toBe(Math.ceil(whole.length / 3));
    expect(paged.items.map((p) => p.id)).toEqual(whole.map((p) => p.id));
    // Newest change first; a cut in the middle returns that post and the newer ones.
    const cut = whole[Math.floor(whole.length / 2)]!.lastModifiedDateTime;
    const newer = (await all(since(cut), bearer, { Prefer: 'odata.maxpagesize=2' })).items;
    expect(newer.map((p) => p.id)).toEqual(whole.filter((p) => p.lastModifiedDateTime >= cut).map((p) => p.id));
    expect(newer.length).toBeLessThan(whole.length);
    expect((await graphGet(sim, `${GRAPH}/messages?$filter=${encodeURIComponent('lastModifiedDateTime ge yesterday')}`, bearer)).status).toBe(400);
  });
});

describe('PATCH /_simulator/tenants/:tenantId/messages/:id', () => {
  it('revises a post like Microsoft does, so an incremental read finds it', async () => {
    const tenantId = sim.tenants[2]!.tenantId;
    const bearer = await token(2);
    const [first] = (await page(`${GRAPH}/messages?$top=1`, bearer)).value;
    const target = (await all(`${GRAPH}/messages`, bearer)).items.at(-1)!;
    expect(target.id).not.toBe(first!.id);
    const res = await control(sim, 'PATCH', `/tenants/${tenantId}/messages/${target.id}`, {
      actionRequiredByDateTime: '2026-01-31T00:00:00Z',
      details: [...target.details, { name: 'BrandNewDetail', value: 'kept as it comes' }],
      body: { content: '<p>New timeline.</p>' },
    });
    expect(res.status).toBe(200);
    const { lastModifiedDateTime } = (await res.json()) as { lastModifiedDateTime: string };
    const revised = (await page(since(lastModifiedDateTime), bearer)).value;
    expect(revised.map((p) => p.id)).toEqual([target.id]);
    expect(revised[0]).toMatchObject({
      title: target.title.startsWith('(Updated) ') ? target.title : `(Updated) ${target.title}`,
      actionRequiredByDateTime: '2026-01-31T00:00:00Z',
      body: { contentType: 'html', content: '<p>New timeline.</p>' },
    });
    expect(revised[0]!.tags).toContain('Updated message');
    expect(revised[0]!.details.at(-1)).toEqual({ name: 'BrandNewDetail', value: 'kept as it comes' });
    // Newest first now.
    expect((await page(`${GRAPH}/messages?$top=1`, bearer)).value[0]!.id).toBe(target.id);

    expect((await control(sim, 'PATCH', `/tenants/${tenantId}/messages/MC000001`, { title: 'x' })).status).toBe(404);
    expect((await control(sim, 'PATCH', `/tenants/${tenantId}/messages/${target.id}`, { title: '' })).status).toBe(400);
    expect((await control(sim, 'PATCH', `/tenants/${tenantId}/messages/${target.id}`, { viewPoint: {} })).status).toBe(400);
  });
});
