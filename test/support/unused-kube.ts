import type { ApplyOptions, KubeClient, ServiceScope } from '../../src/kube/client.ts';
import type { ConfigMap, ConfigMapApply, ConsumerPod, EndpointSlice, EventRecord, Lease, Namespace, NetworkPolicyApply, Service } from '../../src/kube/objects.ts';
import type { Reflector } from '../../src/kube/reflector.ts';

const unused = (call: string) => new Error(`${call} is not part of this test's scripted API server`);

/** A KubeClient whose every call fails loudly; unit-test fakes extend it and script only what they need. */
export class UnusedKube implements KubeClient {
  readonly server: string = 'https://fake.invalid';
  watchServices(_scope: ServiceScope): Reflector<Service> {
    throw unused('watchServices');
  }
  watchConfigMaps(_namespace: string, _name?: string): Reflector<ConfigMap> {
    throw unused('watchConfigMaps');
  }
  watchEndpointSlices(_namespace?: string): Reflector<EndpointSlice> {
    throw unused('watchEndpointSlices');
  }
  watchNamespaces(_labelSelector: string): Reflector<Namespace> {
    throw unused('watchNamespaces');
  }
  getConfigMap(_namespace: string, _name: string): Promise<ConfigMap | undefined> {
    return Promise.reject(unused('getConfigMap'));
  }
  applyConfigMap(_configMap: ConfigMapApply, _options: ApplyOptions): Promise<ConfigMap> {
    return Promise.reject(unused('applyConfigMap'));
  }
  recordEvent(_event: EventRecord, _reportingController: string): Promise<void> {
    return Promise.reject(unused('recordEvent'));
  }
  listPods(_namespace: string, _labelSelector: string): Promise<ConsumerPod[]> {
    return Promise.reject(unused('listPods'));
  }

  getPodProxy(_namespace: string, _pod: string, _port: number, _path: string): Promise<string> {
    return Promise.reject(unused('getPodProxy'));
  }

  getDeploymentSelector(_namespace: string, _deployment: string): Promise<Record<string, unknown> | undefined> {
    return Promise.reject(unused('getDeploymentSelector'));
  }

  applyNetworkPolicy(_policy: NetworkPolicyApply, _options: ApplyOptions): Promise<void> {
    return Promise.reject(unused('applyNetworkPolicy'));
  }

  readSecretKey(_namespace: string, _name: string, _key: string): Promise<string | undefined> {
    return Promise.reject(unused('readSecretKey'));
  }
  getLease(_namespace: string, _name: string): Promise<Lease | undefined> {
    return Promise.reject(unused('getLease'));
  }
  createLease(_lease: Lease): Promise<Lease> {
    return Promise.reject(unused('createLease'));
  }
  updateLease(_lease: Lease): Promise<Lease> {
    return Promise.reject(unused('updateLease'));
  }
  getPodTemplateAnnotations(_namespace: string, _deployment: string): Promise<Record<string, string> | undefined> {
    return Promise.reject(unused('getPodTemplateAnnotations'));
  }
  annotatePodTemplate(_namespace: string, _deployment: string, _annotations: Record<string, string>): Promise<void> {
    return Promise.reject(unused('annotatePodTemplate'));
  }
  listDeploymentPods(_namespace: string, _deployment: string): Promise<ConsumerPod[] | undefined> {
    return Promise.reject(unused('listDeploymentPods'));
  }
  annotatePod(_namespace: string, _pod: string, _annotations: Record<string, string>): Promise<void> {
    return Promise.reject(unused('annotatePod'));
  }
}
