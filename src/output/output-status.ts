import type { WriteResult } from './configmap-writer.ts';

/** The output ConfigMap in /status: what was last written, why not, and what HolmesGPT has loaded of it. */
export interface OutputStatus {
  namespace: string;
  name: string;
  key: string;
  hash?: string;
  bytes?: number;
  lastWrite?: { result: WriteResult; at: string; message?: string };
  /** Set while the last good output is kept because the new one could not be written. */
  problem?: string;
  /** Set while HolmesGPT refuses the operator's in-place reloads (its API key); cleared by the next reload. */
  reloadProblem?: string;
  /** With reload.inPlace: each HolmesGPT pod and the content hash it has loaded, as of the last reload run. */
  consumerPods?: { pod: string; loadedHash?: string; current: boolean }[];
  /** With reload.inPlace: the toolsets that held the last reload up to HolmesGPT's prerequisite deadline. */
  reloadStalls?: { toolset: string; pods: string[]; error: string }[];
}
