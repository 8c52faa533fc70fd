/**
 * What to say when the output namespace does not exist: the operator can then neither hold its Lease nor write its
 * ConfigMap, and nothing else would tell the user (a ConfigMap watch in a missing namespace just lists nothing).
 */
export function missingNamespace(namespace: string, consequence: string): string {
  return `namespace ${namespace} does not exist, so ${consequence}: create it (kubectl create namespace ${namespace}) or set output.namespace to an existing namespace`;
}
