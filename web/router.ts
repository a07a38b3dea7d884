/** The notebook's pages, parsed from the URL so every view is shareable. */
export type Route =
  | { page: 'home' }
  | { page: 'runbook'; id: string; dc: string | undefined; run: string | undefined }
  | { page: 'runs'; runbook: string | undefined; dc: string | undefined }
  | { page: 'run'; id: string; compare: string | undefined }
  | { page: 'datacentre'; name: string }
  | { page: 'not-found'; path: string };

/** Parses a location into a route. */
export function parseRoute(pathname: string, search: string): Route {
  const query = new URLSearchParams(search);
  const opt = (key: string) => query.get(key) || undefined;
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!parts.length) return { page: 'home' };
  if (parts[0] === 'runbooks' && parts.length === 2)
    return { page: 'runbook', id: parts[1]!, dc: opt('dc'), run: opt('run') };
  if (parts[0] === 'runs' && parts.length === 1)
    return { page: 'runs', runbook: opt('runbook'), dc: opt('dc') };
  if (parts[0] === 'runs' && parts.length === 2)
    return { page: 'run', id: parts[1]!, compare: opt('compare') };
  if (parts[0] === 'datacentres' && parts.length === 2) return { page: 'datacentre', name: parts[1]! };
  return { page: 'not-found', path: pathname };
}

/** The URL of a route (the inverse of parseRoute). */
export function routeUrl(route: Route): string {
  const enc = encodeURIComponent;
  const query = (entries: Record<string, string | undefined>) => {
    const params = new URLSearchParams(Object.entries(entries).filter(([, v]) => v) as [string, string][]);
    return params.size ? `?${params}` : '';
  };
  switch (route.page) {
    case 'home':
      return '/';
    case 'runbook':
      return `/runbooks/${enc(route.id)}${query({ dc: route.dc, run: route.run })}`;
    case 'runs':
      return `/runs${query({ runbook: route.runbook, dc: route.dc })}`;
    case 'run':
      return `/runs/${enc(route.id)}${query({ compare: route.compare })}`;
    case 'datacentre':
      return `/datacentres/${enc(route.name)}`;
    case 'not-found':
      return route.path;
  }
}

/** Goes to a route without reloading; `replace` keeps the history entry (e.g. a run id added to the URL). */
export function navigate(route: Route | string, options: { replace?: boolean } = {}): void {
  const url = typeof route === 'string' ? route : routeUrl(route);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
