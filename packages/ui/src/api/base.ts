/** Where the query API is: the folder the UI was loaded from (so it also works behind a path prefix). */
export function apiBase(): string {
  return new URL('.', location.href.split('#')[0]).href.replace(/\/+$/, '');
}
