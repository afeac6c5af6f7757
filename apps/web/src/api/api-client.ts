/**
 * The clinicians' REST API (/api), with the signed-in person's token. Errors arrive as
 * `{ code, message }` and become ApiError; 401 means the sign-in is no longer good.
 */
import type { BookingRequest, BookingResponse, ConsultationSummary, Role } from '@skjerm/protocol';

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  get signInExpired(): boolean {
    return this.status === 401;
  }
}

export interface Me {
  readonly name: string;
  readonly role: Role;
}

export class ApiClient {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  me(): Promise<Me> {
    return this.#request<Me>('GET', '/api/me');
  }

  async listConsultations(): Promise<ConsultationSummary[]> {
    const { consultations } = await this.#request<{ consultations: ConsultationSummary[] }>(
      'GET',
      '/api/consultations',
    );
    return consultations;
  }

  book(request: BookingRequest): Promise<BookingResponse> {
    return this.#request<BookingResponse>('POST', '/api/consultations', request);
  }

  async #request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${this.#token}`,
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch {
      throw new ApiError(0, 'network', 'the server could not be reached');
    }
    const payload = (await response.json().catch(() => undefined)) as
      | { code?: string; message?: string }
      | undefined;
    if (!response.ok) {
      throw new ApiError(
        response.status,
        payload?.code ?? 'http-error',
        payload?.message ?? `the server answered ${response.status}`,
      );
    }
    return payload as T;
  }
}
