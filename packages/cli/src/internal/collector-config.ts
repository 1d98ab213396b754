import { defaultConfigObject, parseConfigYaml } from '@tracelight/collector';

/** Collector settings that have a flag of their own. */
export interface CollectorFlags {
  readonly host: string;
  readonly otlpGrpcPort: number;
  readonly otlpHttpPort: number;
  readonly zipkinPort: number;
  readonly metricsPort: number;
  readonly spanMetricsPort: number;
  readonly samplingPort: number;
  readonly maxBodyBytes: number;
}

/** Flag name → the CollectorFlags field it sets. */
export const COLLECTOR_FLAGS: Readonly<Record<string, keyof CollectorFlags>> = {
  '--host': 'host',
  '--otlp-grpc-port': 'otlpGrpcPort',
  '--otlp-http-port': 'otlpHttpPort',
  '--zipkin-port': 'zipkinPort',
  '--metrics-port': 'metricsPort',
  '--span-metrics-port': 'spanMetricsPort',
  '--sampling-port': 'samplingPort',
  '--max-body-bytes': 'maxBodyBytes',
};

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function hostOf(endpoint: unknown): string | undefined {
  if (typeof endpoint !== 'string') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):\d+$/.exec(endpoint.trim());
  return m ? (m[1] ?? m[2]) : undefined;
}

function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The collector config `tracelight start` runs: the file's (or the default one), with the flags
 * laid over it. Without a file every flag applies (its default included); with a file only the
 * flags given on the command line do, so the file decides everything else. A flag for a part the
 * file does not have (say --zipkin-port when it configures no zipkin receiver) is an error.
 * Returns the config object, or the problems.
 */
export function composeCollectorConfig(
  file: { readonly text: string; readonly path: string } | undefined,
  flags: CollectorFlags,
  given: ReadonlySet<string>,
): { config: Obj } | { problems: string[] } {
  const config = (file ? parseConfigYaml(file.text, file.path) : defaultConfigObject()) as Obj;
  if (!isObj(config)) return { config };
  const applies = (flag: string) => !file || given.has(flag);
  const problems: string[] = [];
  const hostFlag = applies('--host') ? flags.host : undefined;
  const receivers = isObj(config.receivers) ? config.receivers : undefined;

  const setEndpoint = (owner: Obj | undefined, flag: string | undefined, port: number | undefined, what: string) => {
    if (!owner) {
      if (flag && given.has(flag)) problems.push(`${flag}: the config has no ${what}`);
      return;
    }
    const host = hostFlag ?? hostOf(owner.endpoint ?? owner.address) ?? '127.0.0.1';
    const key = 'address' in owner && !('endpoint' in owner) ? 'address' : 'endpoint';
    const current = owner[key];
    const currentPort = typeof current === 'string' ? Number(/:(\d+)$/.exec(current)?.[1]) : NaN;
    if (port !== undefined) owner[key] = joinHostPort(host, port);
    else if (hostFlag !== undefined && Number.isInteger(currentPort)) owner[key] = joinHostPort(host, currentPort);
  };
  const section = (parent: Obj | undefined, key: string): Obj | undefined => {
    if (!parent || !Object.hasOwn(parent, key)) return undefined;
    if (parent[key] === null || parent[key] === undefined) parent[key] = {};
    return isObj(parent[key]) ? (parent[key] as Obj) : undefined;
  };

  const otlp = section(receivers, 'otlp');
  const protocols = section(otlp, 'protocols');
  const grpc = section(protocols, 'grpc');
  const http = section(protocols, 'http');
  setEndpoint(grpc, '--otlp-grpc-port', applies('--otlp-grpc-port') ? flags.otlpGrpcPort : undefined, 'otlp receiver with a grpc protocol');
  setEndpoint(http, '--otlp-http-port', applies('--otlp-http-port') ? flags.otlpHttpPort : undefined, 'otlp receiver with an http protocol');
  setEndpoint(section(receivers, 'zipkin'), '--zipkin-port', applies('--zipkin-port') ? flags.zipkinPort : undefined, 'zipkin receiver');
  if (applies('--max-body-bytes')) {
    if (grpc) grpc.max_recv_msg_size = flags.maxBodyBytes;
    if (http) http.max_request_body_size = flags.maxBodyBytes;
    const zipkin = section(receivers, 'zipkin');
    if (zipkin) zipkin.max_request_body_size = flags.maxBodyBytes;
  }
  // The span-metrics endpoint is shared by the spanmetrics and servicegraph connectors.
  const connectors = isObj(config.connectors) ? config.connectors : undefined;
  const metricConnectors = Object.keys(connectors ?? {}).filter((id) => /^(spanmetrics|servicegraph)(\/|$)/.test(id));
  if (metricConnectors.length === 0) setEndpoint(undefined, '--span-metrics-port', undefined, 'spanmetrics or servicegraph connector');
  for (const id of metricConnectors) setEndpoint(section(connectors, id), '--span-metrics-port', applies('--span-metrics-port') ? flags.spanMetricsPort : undefined, 'spanmetrics or servicegraph connector');
  const sampling = section(isObj(config.extensions) ? config.extensions : undefined, 'remote_sampling');
  const samplingHttp = sampling ? (section(sampling, 'http') ?? ((sampling.http = {}) as Obj)) : undefined;
  setEndpoint(samplingHttp, '--sampling-port', applies('--sampling-port') ? flags.samplingPort : undefined, 'remote_sampling extension');
  const service = section(config, 'service') ?? ((config.service = {}) as Obj);
  const telemetry = section(service, 'telemetry') ?? ((service.telemetry = {}) as Obj);
  const metrics = section(telemetry, 'metrics') ?? ((telemetry.metrics = {}) as Obj);
  if (metrics.enabled !== false || given.has('--metrics-port')) {
    if (!('address' in metrics)) metrics.address = joinHostPort(hostFlag ?? '127.0.0.1', 8888);
    setEndpoint(metrics, '--metrics-port', applies('--metrics-port') ? flags.metricsPort : undefined, 'metrics address');
  }
  return problems.length > 0 ? { problems } : { config };
}
