import { describe, expect, it } from '@jest/globals';
import { HttpMethod, KubeConfig, RequestContext } from '@kubernetes/client-node';
import { shareDispatcher } from '../../../src/kube/shared-dispatcher.ts';

function kubeConfig(token: string, certData = ''): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('ca').toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', token, ...(certData ? { certData, keyData: certData } : {}) }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function prepared(kc: KubeConfig): Promise<RequestContext> {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/services', HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  return context;
}

describe('shareDispatcher', () => {
  it('gives every request of a KubeConfig the same connection pool, and still authenticates each one', async () => {
    const kc = shareDispatcher(kubeConfig('t0ken'));
    const [a, b] = [await prepared(kc), await prepared(kc)];
    expect(a.getDispatcher()).toBeDefined();
    expect(a.getDispatcher()).toBe(b.getDispatcher());
    expect(b.getHeaders()).toMatchObject({ Authorization: 'Bearer t0ken' });
  });

  it('without it, client-node builds a new pool (a new TLS connection) per request', async () => {
    const kc = kubeConfig('t0ken');
    const [a, b] = [await prepared(kc), await prepared(kc)];
    expect(a.getDispatcher()).not.toBe(b.getDispatcher());
  });

  it('starts a new pool when the TLS identity changes (a rotated client certificate)', async () => {
    const kc = shareDispatcher(kubeConfig('t0ken', Buffer.from('cert-1').toString('base64')));
    const before = (await prepared(kc)).getDispatcher();
    const user = kc.getCurrentUser();
    if (!user) throw new Error('test bug: no user');
    (user as { certData?: string }).certData = Buffer.from('cert-2').toString('base64');
    const after = (await prepared(kc)).getDispatcher();
    expect(after).not.toBe(before);
    expect((await prepared(kc)).getDispatcher()).toBe(after);
  });
});
