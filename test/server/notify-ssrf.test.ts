/**
 * Where notification channels may send: URL spellings, private and metadata addresses, what a
 * host name resolves to at creation and again at delivery, the pinned connection, redirects,
 * time-outs and response excerpts. Receivers are real HTTP servers on loopback.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannelsCore } from '../../server/core/channels.js';
import { SecretBox } from '../../server/crypto.js';
import { EXCERPT_BYTES, postToTarget } from '../../server/notify/http.js';
import { checkTargetUrl, isBlockedAddress, resolveTarget, TargetRefusedError } from '../../server/notify/ssrf.js';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.js';
import { startStack, tempStore, type Stack } from '../support/stack.js';

const strict = { allowPrivateTargets: false };
const relaxed = { allowPrivateTargets: true };

describe('blocked addresses', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.1.1',
    '100.64.0.1', '100.127.255.254', '0.0.0.0', '0.1.2.3', '224.0.0.251', '239.255.255.250', '255.255.255.255', '240.0.0.1',
    '::1', '::', 'fc00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:169.254.169.254', '64:ff9b::127.0.0.1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::a00:1', '2002:7f00:1::1', '2001:db8::1',
  ])('%s is refused', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '52.96.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1'])(
    '%s is public',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );
});

describe('target URLs as written', () => {
  it.each([
    ['https://2130706433/hook', '127.0.0.1'],
    ['https://0x7f.1/hook', '127.0.0.1'],
    ['https://0x7f000001/hook', '127.0.0.1'],
    ['https://0177.0.0.1/hook', '127.0.0.1'],
    ['https://127.1/hook', '127.0.0.1'],
    ['https://[::1]/hook', '::1'],
    ['https://[0:0:0:0:0:0:0:1]/hook', '::1'],
    ['https://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1'],
    ['https://[64:ff9b::169.254.169.254]/latest/meta-data', '64:ff9b::a9fe:a9fe'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['https://[fd00:ec2::254]/latest/meta-data', 'fd00:ec2::254'],
    ['https://10.0.0.8:8443/hook', '10.0.0.8'],
    ['https://100.64.3.4/hook', '100.64.3.4'],
    ['https://[fe80::1]/hook', 'fe80::1'],
  ])('%s is refused as %s', (url, address) => {
    expect(() => checkTargetUrl(url, strict)).toThrow(TargetRefusedError);
    expect(() => checkTargetUrl(url, strict)).toThrow(`resolves to ${address},`);
  });

  it('refuses metadata and *.localhost names whatever DNS would say', () => {
    for (const url of ['https://metadata.google.internal/computeMetadata/v1/', 'https://METADATA.google.internal./', 'https://app.localhost/hook']) {
      expect(() => checkTargetUrl(url, strict), url).toThrow(/local or metadata name/);
    }
  });

  it('requires https unless private targets are allowed, and never takes other schemes', () => {
    expect(() => checkTargetUrl('http://hooks.example.com/x', strict)).toThrow(/must be an https: URL/);
    expect(checkTargetUrl('http://127.0.0.1:9/x', relaxed).href).toBe('http://127.0.0.1:9/x');
    for (const url of ['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/', 'not a url']) {
      expect(() => checkTargetUrl(url, relaxed), url).toThrow(TargetRefusedError);
    }
  });

  it('lets public https URLs through', () => {
    expect(checkTargetUrl('https://8.8.8.8/hook', strict).hostname).toBe('8.8.8.8');
    expect(checkTargetUrl('https://[2606:4700:4700::1111]/hook', strict).hostname).toBe('[2606:4700:4700::1111]');
    expect(checkTargetUrl('https://prod-12.westeurope.logic.azure.com/workflows/x', strict).hostname).toBe('prod-12.westeurope.logic.azure.com');
  });
});

describe('host names after DNS', () => {
  it('refuses a name that resolves to loopback (localhost, through the system resolver)', async () => {
    await expect(resolveTarget('https://localhost:9/hook', strict)).rejects.toThrow(/resolves to (127\.0\.0\.1|::1) \(localhost\)/);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const resolve = async () => [
      { address: '52.96.0.1', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(resolveTarget('https://hooks.example.com/x', strict, resolve)).rejects.toThrow(/resolves to 10\.0\.0\.5/);
    await expect(resolveTarget('https://hooks.example.com/x', strict, async () => [{ address: '::ffff:192.168.0.1', family: 6 }])).rejects.toThrow(TargetRefusedError);
    await expect(resolveTarget('https://hooks.example.com/x', strict, async () => [{ address: '52.96.0.1', family: 4 }])).resolves.toMatchObject({ address: '52.96.0.1', family: 4 });
  });

  it('calls a name that does not resolve a passing refusal (a delivery retries it)', async () => {
    const err = await resolveTarget('https://no-such-host.invalid/x', strict).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetRefusedError);
    expect((err as TargetRefusedError).transient).toBe(true);
    expect((err as Error).message).toMatch(/does not resolve/);
  });
});

describe('the delivery request', () => {
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(() => receiver.close());

  it('connects to the address that was checked, not to a second DNS answer', async () => {
    receiver.answer(() => ({ status: 204 }));
    const port = new URL(receiver.url).port;
    let lookups = 0;
    // A name no DNS knows: if the connection resolved it again it would fail (ENOTFOUND).
    const res = await postToTarget(`http://hooks.example.invalid:${port}/pinned`, {
      ...relaxed,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
      resolve: async () => (lookups++, [{ address: '127.0.0.1', family: 4 }]),
    });
    expect(res.status).toBe(204);
    expect(lookups).toBe(1);
    const got = receiver.requests.at(-1)!;
    expect(got.path).toBe('/pinned');
    expect(got.headers.host).toBe(`hooks.example.invalid:${port}`);
    expect(got.body).toBe('{"ok":true}');
  });

  it('does not follow redirects', async () => {
    const before = receiver.requests.length;
    receiver.answer((req) => (req.path === '/moved' ? { status: 302, headers: { location: `${receiver.url}/elsewhere` } } : { status: 200 }));
    const res = await postToTarget(`${receiver.url}/moved`, { ...relaxed, headers: {}, body: '{}' });
    expect(res.status).toBe(302);
    expect(receiver.requests.slice(before).map((r) => r.path)).toEqual(['/moved']);
  });

  it('keeps only a short excerpt of the answer', async () => {
    receiver.answer(() => ({ status: 500, body: 'x'.repeat(100_000) }));
    const res = await postToTarget(`${receiver.url}/big`, { ...relaxed, headers: {}, body: '{}' });
    expect(res.status).toBe(500);
    expect(res.excerpt.length).toBeLessThanOrEqual(EXCERPT_BYTES);
    expect(res.excerpt.length).toBeGreaterThan(0);
  });

  it('gives up on a target that does not answer within the time-out', async () => {
    const silent = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await expect(postToTarget(`http://127.0.0.1:${port}/hang`, { ...relaxed, headers: {}, body: '{}', timeoutMs: 300 })).rejects.toThrow(/no answer within/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('channels on a server without ALLOW_PRIVATE_TARGETS', () => {
  let stack: Stack;
  let admin: string;
  beforeAll(async () => {
    stack = await startStack({ env: { ALLOW_PRIVATE_TARGETS: 'false' } });
    admin = stack.key('ssrf-org', 'admin');
  });
  afterAll(() => stack.close());

  it.each([
    'https://127.0.0.1/hook',
    'https://2130706433/hook',
    'https://0x7f.1/hook',
    'https://[::1]/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[fd00:ec2::254]/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://192.168.0.10/hook',
    'https://localhost/hook',
    'http://hooks.example.com/hook',
  ])('refuses %s with a 400 that says why', async (target) => {
    const res = await stack.api(admin, '/api/channels', { method: 'POST', json: { kind: 'webhook', name: 'Hook', target } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/target: .*(public addresses|https: URL)/);
    const list = (await (await stack.api(admin, '/api/channels')).json()) as { channels: unknown[] };
    expect(list.channels).toEqual([]);
  });

  it('refuses e-mail channels while SMTP_URL is not configured', async () => {
    const res = await stack.api(admin, '/api/channels', { method: 'POST', json: { kind: 'email', name: 'On call', target: 'oncall@example.com' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/SMTP_URL/);
  });
});

describe('the check at delivery time', () => {
  it('refuses a target whose name resolves to a private address by the time it is sent (DNS rebinding)', async () => {
    const receiver = await startHttpReceiver();
    const database = await tempStore();
    try {
      const orgId = (await database.store.findOrCreateOrg('rebind')).id;
      const answers = [[{ address: '52.96.0.1', family: 4 }], [{ address: '127.0.0.1', family: 4 }]];
      const core = createChannelsCore({
        store: database.store,
        box: new SecretBox(randomBytes(32)),
        config: { publicUrl: 'https://health.example.com', allowPrivateTargets: false },
        now: () => new Date(),
        metrics: { notification: () => {} },
        // At creation the name is public; when the test is sent it answers loopback.
        resolve: async () => answers.shift() ?? [{ address: '127.0.0.1', family: 4 }],
      });
      const { channel } = await core.create(orgId, { kind: 'slack', name: 'Rebound', target: `https://hooks.example.com:${new URL(receiver.url).port}/x` });
      const delivery = await core.test(orgId, channel.id);
      expect(delivery).toMatchObject({ status: 'failed', responseStatus: null });
      expect(delivery!.error).toMatch(/resolves to 127\.0\.0\.1/);
      expect(receiver.requests).toHaveLength(0);
      expect(await core.deliveries(orgId, channel.id, 10)).toMatchObject([{ type: 'test', status: 'failed', attempts: 1 }]);
    } finally {
      await database.dispose();
      await receiver.close();
    }
  });
});
