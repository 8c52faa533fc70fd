import type { Candidate, Rejection } from '../discovery/candidate.ts';
import { detect, type DetectionOptions } from '../discovery/detect.ts';
import type { Service } from '../kube/objects.ts';

/** Every Service's detection, each isolated from the others. */
export function detectServices(
  services: Iterable<Service>,
  options: DetectionOptions,
  excludeNamespaces: readonly string[] = [],
): { candidates: Candidate[]; rejections: Rejection[] } {
  const excluded = new Set(excludeNamespaces);
  const candidates: Candidate[] = [];
  const rejections: Rejection[] = [];
  for (const svc of services) {
    if (excluded.has(svc.metadata.namespace)) continue;
    const d = detectIsolated(svc, options);
    if (d.kind === 'candidate') candidates.push(d.candidate);
    else if (d.kind === 'rejected') rejections.push(d.rejection);
  }
  return { candidates, rejections };
}

/** One Service's failure, even an unexpected one, is that Service's rejection: it never fails the reconcile. */
function detectIsolated(svc: Service, options: DetectionOptions): ReturnType<typeof detect> {
  try {
    return detect(svc, options);
  } catch (error) {
    const { namespace, name, uid } = svc.metadata;
    return {
      kind: 'rejected',
      rejection: { service: { namespace, name, uid }, key: `${namespace}/${name}`, reason: 'InternalError', message: `could not process this Service: ${(error as Error).name}` },
    };
  }
}

