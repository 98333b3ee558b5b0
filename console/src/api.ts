const PREFIX = '/api/sluice/v1';
const TOKEN_KEY = 'sluice.token';

/** A refused or failed API call: the HTTP status (0 when the server was not reached) and its message. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Sluice's own API, with the token the operator signed in with. The token lives in
 * sessionStorage: it is gone when the tab closes, and no other site can read it.
 */
export class Api {
  constructor(
    private readonly storage: Storage,
    private readonly onUnauthorized: () => void,
  ) {}

  /** Signed in: a token was given (an empty one too, for a server with none configured). */
  get signedIn(): boolean {
    return this.storage.getItem(TOKEN_KEY) !== null;
  }

  signIn(token: string): void {
    this.storage.setItem(TOKEN_KEY, token.trim());
  }

  signOut(): void {
    this.storage.removeItem(TOKEN_KEY);
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.call<T>('DELETE', path);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    const token = this.storage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(PREFIX + path, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch (error) {
      throw new ApiFailure(0, `the server did not answer (${(error as Error).message})`);
    }
    const answer = (await response.json().catch(() => undefined)) as { error?: { message?: string }; message?: string } | undefined;
    if (response.ok) return answer as T;
    if (response.status === 401) this.onUnauthorized();
    // The relay routes answer errors as `{"code","message"}`, the rest as `{"error":{"message"}}`.
    throw new ApiFailure(response.status, answer?.error?.message ?? answer?.message ?? `HTTP ${response.status}`);
  }
}

/** SRS's raw API (`/api/v1/raw`), which answers `{code}` with HTTP 200, or 401 behind Basic auth. */
export async function rawApi(rpc: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`/api/v1/raw?rpc=${encodeURIComponent(rpc)}`);
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}
