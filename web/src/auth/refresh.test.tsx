import { act, render } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// openapi-fetch binds fetch when the client is created: replace it before any import runs.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

import { useSessionRefresh } from "./hooks";
import { session } from "./session";

function Keeper() {
  useSessionRefresh();
  return null;
}

const HOUR = 3_600_000;

describe("the session refresh", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse("2026-01-01T00:00:00Z") });
    fetchMock.mockReset();
  });
  afterEach(() => vi.useRealTimers());

  it("extends the session at 75 % of its lifetime, then schedules the next one", async () => {
    session.start("tok", new Date(Date.now() + 24 * HOUR).toISOString());
    const extended = new Date(Date.now() + 48 * HOUR).toISOString();
    fetchMock.mockResolvedValue(
      new Response(
        JSON.stringify({ success: true, data: { expires_at: extended, refreshed_at: "x" } }),
        {
          status: 200,
          headers: { "content-type": "application/json" },
        },
      ),
    );
    render(<Keeper />);
    await act(() => vi.advanceTimersByTimeAsync(18 * HOUR - 1000));
    expect(fetchMock).not.toHaveBeenCalled();
    await act(() => vi.advanceTimersByTimeAsync(2000));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const request = fetchMock.mock.calls[0]?.[0];
    expect(request?.method).toBe("POST");
    expect(request?.url).toMatch(/\/api\/v1\/auth\/refresh$/);
    expect(request?.headers.get("Authorization")).toBe("Bearer tok");
    expect(session.current()?.expiresAt).toBe(extended);
  });

  it("does nothing signed out", async () => {
    render(<Keeper />);
    await act(() => vi.advanceTimersByTimeAsync(48 * HOUR));
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
