// The adaptive_sampling processor feeds the remote_sampling extension of the same collector. They
// meet here, keyed by the collector's telemetry registry (one per collector), as the processor is
// built before the extension and has no other way to it.
const byCollector = new WeakMap<object, Set<unknown>>();

export function registerSampling<T>(scope: object, extension: T): () => void {
  let set = byCollector.get(scope);
  if (!set) byCollector.set(scope, (set = new Set()));
  set.add(extension);
  return () => set.delete(extension);
}

export function samplingExtensionsOf<T>(scope: object): T[] {
  return [...(byCollector.get(scope) ?? [])] as T[];
}
