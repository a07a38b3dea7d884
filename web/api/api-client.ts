import type {
  ApiErrorBody,
  DatacentreSummary,
  EventView,
  RunbookSummary,
  RunbookView,
  RunSummary,
  RunView,
} from './api-types.ts';

/** An API answer other than 2xx, keeping the server's `{ code, message, details }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody,
  ) {
    super(body.message);
    this.name = 'ApiError';
  }
}

/** Who the browser acts as, for the server's audit trail. */
export function operator(): string {
  return localStorage.getItem('stackbook.operator') || 'web';
}

export async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      'x-stackbook-user': operator(),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    throw new ApiError(
      response.status,
      (json as ApiErrorBody) ?? { code: 'HTTP', message: response.statusText, details: {} },
    );
  }
  return json as T;
}

const enc = encodeURIComponent;

/** The stackbook API, one method per call. */
export const api = {
  runbooks: () => call<RunbookSummary[]>('GET', '/api/runbooks'),
  runbook: (id: string, dc?: string) =>
    call<RunbookView>('GET', `/api/runbooks/${enc(id)}${dc ? `?dc=${enc(dc)}` : ''}`),
  datacentres: () => call<DatacentreSummary[]>('GET', '/api/datacentres'),
  runs: (filter: { runbook?: string; datacentre?: string } = {}) => {
    const query = new URLSearchParams(Object.entries(filter).filter(([, v]) => v) as [string, string][]);
    return call<RunSummary[]>('GET', `/api/runs${query.size ? `?${query}` : ''}`);
  },
  run: (id: string) => call<RunView>('GET', `/api/runs/${enc(id)}`),
  createRun: (runbook: string, datacentre: string, mode: 'live' | 'dry-run' = 'live') =>
    call<RunView>('POST', '/api/runs', { runbook, datacentre, mode }),
  executeCell: (run: string, cell: string) =>
    call<RunView>('POST', `/api/runs/${enc(run)}/cells/${enc(cell)}/execute`),
  execute: (run: string, from?: string) =>
    call<RunView>('POST', `/api/runs/${enc(run)}/execute`, from ? { from } : {}),
  cancel: (run: string) => call<unknown>('POST', `/api/runs/${enc(run)}/cancel`),
  approve: (run: string, cell: string, note: string) =>
    call<unknown>('POST', `/api/runs/${enc(run)}/cells/${enc(cell)}/approve`, { note }),
  replay: (run: string, from?: string) =>
    call<RunView>('POST', `/api/runs/${enc(run)}/replay`, from ? { from } : {}),
  events: (run: string, after = 0, limit = 1000) =>
    call<EventView[]>('GET', `/api/runs/${enc(run)}/events?after=${after}&limit=${limit}`),
  diff: (a: string, b: string) => call<unknown>('GET', `/api/runs/${enc(a)}/diff?with=${enc(b)}`),
  datacentre: (name: string) => call<unknown>('GET', `/api/datacentres/${enc(name)}`),
  validateDatacentre: (name: string, yaml: string) =>
    call<{ valid: boolean; issues?: { line: number; field: string; message: string }[] }>(
      'POST',
      `/api/datacentres/${enc(name)}/validate`,
      { yaml },
    ),
  saveDatacentre: (name: string, yaml: string, secrets?: Record<string, string>) =>
    call<unknown>('PUT', `/api/datacentres/${enc(name)}`, secrets ? { yaml, secrets } : { yaml }),
  reportUrl: (run: string, format: 'md' | 'html' | 'junit') =>
    `/api/runs/${enc(run)}/report?format=${format}`,
  streamUrl: (run: string) => `/api/runs/${enc(run)}/stream`,
};
