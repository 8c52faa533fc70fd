import type { KubeConfig, RequestContext } from '@kubernetes/client-node';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * Makes every request of `kc` share one undici Agent (one pool of keep-alive TLS connections to the API server).
 *
 * client-node 2.0.1 builds a new Agent inside applySecurityAuthentication for every request (config.js:222,
 * createDispatcher): each call opens a new TLS connection with its own SecureContext and handshake, and the socket
 * lingers for undici's 4 s keep-alive. That churn of small OpenSSL allocations fragments glibc's heap: at 1,000
 * toolsets among 11,000 Services ~100-160 MiB of freed memory stayed in the process (issue 15).
 *
 * The Agent depends only on the TLS identity (server, CA, client certificate and key, proxy): tokens and other
 * headers are still applied per request. When that identity changes (a rotated client certificate) the old Agent
 * is closed once its requests, watches included, have finished.
 */
export function shareDispatcher(kc: KubeConfig): KubeConfig {
  const apply = kc.applySecurityAuthentication.bind(kc);
  let shared: { key: string; agent: Dispatcher } | undefined;
  kc.applySecurityAuthentication = async (context: RequestContext): Promise<void> => {
    await apply(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    const key = JSON.stringify([
      cluster?.server, cluster?.caData, cluster?.caFile, cluster?.skipTLSVerify, cluster?.tlsServerName, cluster?.proxyUrl,
      user?.certData, user?.certFile, user?.keyData, user?.keyFile,
    ]);
    if (shared?.key !== key) {
      const previous = shared?.agent;
      shared = { key, agent: fresh };
      void previous?.close().catch(() => {});
    }
    context.setDispatcher(shared.agent);
  };
  return kc;
}
