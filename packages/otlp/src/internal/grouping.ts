export interface ScopeGroup {
  readonly scope: number;
  readonly rows: number[];
}

export interface ResourceGroup {
  readonly resource: number;
  readonly scopes: ScopeGroup[];
}

/**
 * Rows grouped by resource, then by scope, in order of first appearance: the shape of
 * ResourceSpans / ScopeSpans (and ResourceLogs / ScopeLogs). A batch decoded from one request
 * keeps its row order through this grouping.
 */
export function groupRows(length: number, resourceIndex: Uint32Array, scopeIndex: Uint32Array): ResourceGroup[] {
  const groups: ResourceGroup[] = [];
  const byResource = new Map<number, { group: ResourceGroup; byScope: Map<number, ScopeGroup> }>();
  for (let i = 0; i < length; i++) {
    const r = resourceIndex[i];
    let entry = byResource.get(r);
    if (entry === undefined) {
      entry = { group: { resource: r, scopes: [] }, byScope: new Map() };
      byResource.set(r, entry);
      groups.push(entry.group);
    }
    const s = scopeIndex[i];
    let scope = entry.byScope.get(s);
    if (scope === undefined) {
      scope = { scope: s, rows: [] };
      entry.byScope.set(s, scope);
      entry.group.scopes.push(scope);
    }
    scope.rows.push(i);
  }
  return groups;
}
