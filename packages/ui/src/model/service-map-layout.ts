export interface MapEdgeInput {
  readonly parent: string;
  readonly child: string;
  readonly callCount: number;
}

export interface MapNode {
  readonly name: string;
  readonly layer: number;
  /** Centre, in layout units. */
  readonly x: number;
  readonly y: number;
  readonly callsIn: number;
  readonly callsOut: number;
}

export interface MapEdge extends MapEdgeInput {
  /** The edge goes against the layering (it closes a cycle, or is a self-call). */
  readonly back: boolean;
}

export interface MapLayout {
  readonly nodes: readonly MapNode[];
  readonly edges: readonly MapEdge[];
  readonly width: number;
  readonly height: number;
}

export interface MapLayoutOptions {
  /** Distance between layers (left to right). Default 240. */
  readonly layerGap?: number;
  /** Distance between nodes of a layer. Default 90. */
  readonly nodeGap?: number;
  /** Margin around the drawing. Default 80. */
  readonly margin?: number;
}

/**
 * A layered (Sugiyama-style) layout of the service graph, left to right: callers before callees.
 * Cycles are broken by depth-first search (the closing edges are drawn backwards), nodes go to
 * the layer of their longest path from a source, and each layer is ordered by the mean position
 * of its neighbours a few times over to cut crossings. Deterministic: same input, same picture.
 */
export function layoutServiceMap(links: readonly MapEdgeInput[], options: MapLayoutOptions = {}): MapLayout {
  const layerGap = options.layerGap ?? 240;
  const nodeGap = options.nodeGap ?? 90;
  const margin = options.margin ?? 80;
  const names = [...new Set(links.flatMap((l) => [l.parent, l.child]))].sort();
  const index = new Map(names.map((n, i) => [n, i]));
  const out: number[][] = names.map(() => []);
  for (const l of links) if (l.parent !== l.child) out[index.get(l.parent)!].push(index.get(l.child)!);
  for (const list of out) list.sort((a, b) => a - b);

  // Back edges by iterative DFS, starting from nodes nobody calls (then any left).
  const state = new Uint8Array(names.length); // 0 new, 1 on stack, 2 done
  const back = new Set<string>();
  const indegree = new Array<number>(names.length).fill(0);
  for (const list of out) for (const c of list) indegree[c]++;
  const starts = [...names.keys()].sort((a, b) => indegree[a] - indegree[b] || a - b);
  for (const s of starts) {
    if (state[s] !== 0) continue;
    const stack: { v: number; i: number }[] = [{ v: s, i: 0 }];
    state[s] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.i < out[top.v].length) {
        const w = out[top.v][top.i++];
        if (state[w] === 1) back.add(`${top.v}>${w}`);
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push({ v: w, i: 0 });
        }
      } else {
        state[top.v] = 2;
        stack.pop();
      }
    }
  }
  const forward: number[][] = out.map((list, v) => list.filter((w) => !back.has(`${v}>${w}`)));

  const inDegreeForward = (v: number) => forward.reduce((n, list) => n + (list.includes(v) ? 1 : 0), 0);

  // Longest-path layering over the acyclic forward edges (Kahn order).
  const layer = new Array<number>(names.length).fill(0);
  const inF = new Array<number>(names.length).fill(0);
  for (const list of forward) for (const w of list) inF[w]++;
  const queue = [...names.keys()].filter((v) => inF[v] === 0);
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of forward[v]) {
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--inF[w] === 0) queue.push(w);
    }
  }
  // A caller nobody calls sits just left of its nearest callee, not in the first column (a batch
  // job that only writes to the database belongs next to the database).
  for (const v of names.keys()) {
    if (inDegreeForward(v) === 0 && forward[v].length > 0) layer[v] = Math.max(0, Math.min(...forward[v].map((w) => layer[w])) - 1);
  }
  const layerCount = names.length === 0 ? 0 : Math.max(...layer) + 1;
  const layers: number[][] = Array.from({ length: layerCount }, () => []);
  for (const v of names.keys()) layers[layer[v]].push(v);

  // Crossing reduction: barycentre sweeps down and up.
  const incoming: number[][] = names.map(() => []);
  for (const [v, list] of forward.entries()) for (const w of list) incoming[w].push(v);
  const pos = new Array<number>(names.length).fill(0);
  const place = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  place();
  const sweep = (neighbours: number[][], order: number[]) => {
    for (const li of order) {
      const bary = (v: number) => (neighbours[v].length === 0 ? pos[v] : neighbours[v].reduce((s, u) => s + pos[u], 0) / neighbours[v].length);
      const keyed = layers[li].map((v) => ({ v, k: bary(v) }));
      keyed.sort((a, b) => a.k - b.k || a.v - b.v);
      layers[li] = keyed.map((x) => x.v);
      layers[li].forEach((v, i) => (pos[v] = i));
    }
  };
  const down = [...layers.keys()].slice(1);
  const up = [...layers.keys()].reverse().slice(1);
  for (let i = 0; i < 4; i++) {
    sweep(incoming, down);
    sweep(forward, up);
  }

  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const callsIn = new Array<number>(names.length).fill(0);
  const callsOut = new Array<number>(names.length).fill(0);
  for (const l of links) {
    callsOut[index.get(l.parent)!] += l.callCount;
    callsIn[index.get(l.child)!] += l.callCount;
  }
  const nodes: MapNode[] = [];
  for (const [li, l] of layers.entries()) {
    const offset = ((tallest - l.length) * nodeGap) / 2;
    for (const [i, v] of l.entries()) {
      nodes.push({ name: names[v], layer: li, x: margin + li * layerGap, y: margin + offset + i * nodeGap, callsIn: callsIn[v], callsOut: callsOut[v] });
    }
  }
  nodes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const edges: MapEdge[] = links.map((l) => ({ ...l, back: l.parent === l.child || back.has(`${index.get(l.parent)}>${index.get(l.child)}`) }));
  return {
    nodes,
    edges,
    width: 2 * margin + Math.max(0, layerCount - 1) * layerGap,
    height: 2 * margin + Math.max(0, tallest - 1) * nodeGap,
  };
}
