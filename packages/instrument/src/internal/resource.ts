import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

interface PackageInfo {
  name?: string;
  version?: string;
}

/** The nearest package.json above the main script (or the working directory). */
export function findPackageInfo(start: string | undefined = process.argv[1]): PackageInfo {
  let dir = start ? dirname(resolve(start)) : process.cwd();
  for (let i = 0; i < 32; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageInfo;
        return { name: typeof pkg.name === 'string' ? pkg.name : undefined, version: typeof pkg.version === 'string' ? pkg.version : undefined };
      } catch {
        return {};
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return {};
}

export interface ResourceOptions {
  serviceName?: string;
  serviceVersion?: string;
  attributes?: Attributes;
  /** Run host/process detectors (default true). */
  detect?: boolean;
}

/**
 * SDK defaults, then detected host and process attributes, then `OTEL_RESOURCE_ATTRIBUTES` /
 * `OTEL_SERVICE_NAME`, then code options. Service name and version fall back to the application's
 * package.json.
 */
export function buildResource(options: ResourceOptions): Resource {
  const detectors = options.detect === false ? [envDetector] : [hostDetector, processDetector, envDetector];
  let resource = defaultResource().merge(detectResources({ detectors }));
  const pkg = findPackageInfo();
  const fromEnvName = resource.attributes[ATTR_SERVICE_NAME];
  const envNamed = typeof fromEnvName === 'string' && !fromEnvName.startsWith('unknown_service');
  const attrs: Attributes = { ...options.attributes };
  const name = options.serviceName ?? (envNamed ? undefined : pkg.name);
  if (name) attrs[ATTR_SERVICE_NAME] = name;
  const version = options.serviceVersion ?? (resource.attributes[ATTR_SERVICE_VERSION] === undefined ? pkg.version : undefined);
  if (version) attrs[ATTR_SERVICE_VERSION] = version;
  resource = resource.merge(resourceFromAttributes(attrs));
  return resource;
}
