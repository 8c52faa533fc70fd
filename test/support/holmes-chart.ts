// HolmesGPT on the node as its own Helm chart renders it (facts in docs/holmesgpt-compatibility.md: Deployment
// <release>-holmes, container `holmes` running `python3 -u server.py`, ConfigMap custom-toolsets-configmap mounted
// whole at /etc/holmes/config, an emptyDir at /tmp), with the chart's additionalEnvVars, additionalVolumes and
// additionalVolumeMounts appended: written here from those facts, not copied from the chart.
import type { V1Container, V1Deployment, V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { deployment, images, restrictedContainer } from './e2e-kube.ts';

export const CHART_CONFIGMAP = 'custom-toolsets-configmap';
export const CHART_KEY = 'custom_toolset.yaml';

/** The HolmesGPT chart values the operator chart's NOTES print (kt.holmesgptValues). */
export interface HolmesValues {
  additionalEnvVars: V1EnvVar[];
  additionalVolumes: V1Volume[];
  additionalVolumeMounts: V1VolumeMount[];
}

/** The HolmesGPT values block of the operator chart's NOTES (as `helm install` or `upgrade` printed it). */
export function snippetOf(helmOutput: string): HolmesValues {
  const notes = helmOutput.slice(helmOutput.indexOf('NOTES:'));
  const at = notes.indexOf('additionalEnvVars:');
  const end = notes.indexOf('\n\n', at);
  if (at < 0 || end < 0) throw new Error(`no HolmesGPT values in the NOTES:\n${notes}`);
  const block = notes.slice(at, end).split('\n').map((l) => l.replace(/^ {2}/, '')).join('\n');
  return load(block) as HolmesValues;
}

/** HolmesGPT's Deployment `name` in `namespace` as its chart renders it, with the chart's extension values set. */
export function chartShapedHolmes(namespace: string, name: string, values: HolmesValues, replicas: number, extraContainers: V1Container[] = []): V1Deployment {
  return deployment(namespace, name, {
    terminationGracePeriodSeconds: 5,
    securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
    containers: [
      {
        name: 'holmes', image: images.holmesgpt, imagePullPolicy: 'Never', command: ['python3', '-u', 'server.py'],
        ports: [{ name: 'http', containerPort: 5050 }],
        readinessProbe: { tcpSocket: { port: 5050 }, periodSeconds: 1 }, securityContext: restrictedContainer,
        env: [
          { name: 'LOG_LEVEL', value: 'INFO' }, { name: 'ENABLE_TELEMETRY', value: 'false' },
          // The admin's credential, as a chart user passes it (additionalEnvVars, usually from a Secret).
          { name: 'ADMIN_TOKEN', value: 'e2e-admin-token' },
          ...values.additionalEnvVars,
        ],
        volumeMounts: [
          { name: 'tmp-volume', mountPath: '/tmp' },
          { name: CHART_CONFIGMAP, mountPath: '/etc/holmes/config' },
          ...values.additionalVolumeMounts,
        ],
      },
      ...extraContainers,
    ],
    volumes: [
      { name: 'tmp-volume', emptyDir: { sizeLimit: '256Mi' } },
      { name: CHART_CONFIGMAP, configMap: { name: CHART_CONFIGMAP, optional: true } },
      ...values.additionalVolumes,
    ],
  }, replicas);
}
