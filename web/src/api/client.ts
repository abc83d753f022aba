import createClient, { type Middleware } from "openapi-fetch";
import { session } from "../auth/session";
import type { components, paths } from "./schema";

/** The API's models, generated from its OpenAPI document (`make web-client`). */
export type Schemas = components["schemas"];

// Same origin: locally the gateway serves the app and the API; deployed, CloudFront does.
export const api = createClient<paths>({ baseUrl: globalThis.location.origin });

/** A failed call, from the API's error envelope: `{success: false, error: {code, message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface ErrorEnvelope {
  error?: { code?: string; message?: string; details?: unknown };
}

export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as ErrorEnvelope | undefined)?.error;
  return new ApiError(
    status,
    error?.code ?? "HTTP_ERROR",
    error?.message ?? `The request failed (HTTP ${status})`,
    error?.details,
  );
}

type Result<D> =
  | { data: { data?: D }; error?: never; response: Response }
  | { data?: never; error: unknown; response: Response };

/** The envelope's `data`, or an ApiError carrying the envelope's message. (`data` is absent
 * only from envelopes that carry none, e.g. a delete's.) */
export async function unwrap<D>(call: Promise<Result<D>>): Promise<D> {
  const { data, error, response } = await call;
  if (data !== undefined) return data.data as D;
  throw toApiError(response.status, error);
}

const authenticate: Middleware = {
  onRequest({ request }) {
    const token = session.token();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ request, response }) {
    // A session that ended elsewhere (expiry, logout-all, deactivation): sign in again.
    if (response.status === 401 && request.headers.has("Authorization")) session.expired();
    return response;
  },
};
api.use(authenticate);

/** For calls whose response carries nothing to read (a delete): an ApiError when they fail. */
export async function send(call: Promise<{ error?: unknown; response: Response }>): Promise<void> {
  const { error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
}
