/**
 * Service colours: a palette chosen to stay apart from each other and readable on light and dark
 * backgrounds; a service gets the colour of its name's hash, so it keeps it across traces.
 */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7',
  '#17becf', '#8c6d31', '#6b6ecf', '#bcbd22', '#d6616b', '#3182bd', '#31a354', '#e6550d',
];

export function serviceColor(name: string): string {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length];
}
