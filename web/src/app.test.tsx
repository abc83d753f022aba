import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createMemoryHistory, RouterProvider } from "@tanstack/react-router";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

// openapi-fetch binds fetch when the client is created: replace it before any import runs.
const fetchMock = vi.hoisted(() => {
  const mock = vi.fn<(request: Request) => Promise<Response>>();
  globalThis.fetch = mock as unknown as typeof fetch;
  return mock;
});

import { NAV } from "./access";
import { session } from "./auth/session";
import { createAppRouter } from "./router";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

function renderAt(path: string) {
  const router = createAppRouter(createMemoryHistory({ initialEntries: [path] }));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return router;
}

function signedInAs(role: "user" | "moderator" | "admin") {
  session.start("tok", new Date(Date.now() + 3_600_000).toISOString());
  fetchMock.mockImplementation((request: Request) => {
    const path = new URL(request.url).pathname;
    if (path === "/api/v1/auth/me") {
      return Promise.resolve(
        json(200, {
          success: true,
          data: { id: "u1", username: "sam", email: "s@example.com", role },
        }),
      );
    }
    return Promise.resolve(json(200, { success: true, data: [] }));
  });
}

describe("routes", () => {
  it("has a page behind every sidebar link", () => {
    const paths = Object.keys(createAppRouter().routesByPath);
    for (const item of NAV.flatMap((section) => section.items)) {
      expect(paths, item.to).toContain(item.to);
    }
  });
});

describe("guards", () => {
  beforeEach(() => {
    fetchMock.mockReset(); // a block: a function returned from beforeEach is run as its cleanup
  });

  it("sends a signed-out visitor to sign in, remembering the page, without calling the API", async () => {
    const router = renderAt("/admin/users");
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/auth/login");
    expect(router.state.location.search).toEqual({ redirect: "/admin/users" });
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows a regular user a clear refusal on an admin page, and makes no call for it", async () => {
    signedInAs("user");
    renderAt("/admin/audit");
    expect(
      await screen.findByRole("heading", { level: 1, name: "Access denied" }),
    ).toBeInTheDocument();
    const paths = fetchMock.mock.calls.map(([r]) => new URL(r.url).pathname);
    expect(paths).toEqual(["/api/v1/auth/me"]);
    expect(screen.queryByRole("link", { name: "Audit trail" })).not.toBeInTheDocument();
  });

  it("lets a moderator into the users page", async () => {
    signedInAs("moderator");
    renderAt("/admin/users");
    expect(await screen.findByRole("heading", { level: 1, name: "Users" })).toBeInTheDocument();
    expect(screen.queryByRole("link", { name: "New user" })).not.toBeInTheDocument();
  });
});

describe("the login form", () => {
  beforeEach(() => {
    fetchMock.mockReset(); // a block: a function returned from beforeEach is run as its cleanup
  });

  it("shows the API's refusal in an alert and stays signed out", async () => {
    fetchMock.mockResolvedValue(
      json(401, {
        success: false,
        error: { code: "INVALID_CREDENTIALS", message: "Invalid credentials" },
      }),
    );
    renderAt("/auth/login");
    await userEvent.type(await screen.findByLabelText("Username or email", { exact: true }), "sam");
    await userEvent.type(screen.getByLabelText("Password", { exact: true }), "wrong");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Invalid credentials");
    const body = (await fetchMock.mock.calls[0]?.[0].json()) as Record<string, unknown>;
    expect(body).toMatchObject({ username: "sam", password: "wrong" });
    expect(session.token()).toBeNull();
  });

  it("signs in by email, then goes where the user was headed", async () => {
    fetchMock.mockImplementation((request: Request) =>
      Promise.resolve(
        new URL(request.url).pathname === "/api/v1/auth/login"
          ? json(200, {
              success: true,
              data: {
                session_token: "new-token",
                expires_at: new Date(Date.now() + 3_600_000).toISOString(),
                user: {
                  id: "u1",
                  username: "sam",
                  email: "s@example.com",
                  role: "user",
                  is_active: true,
                  email_verified: false,
                  created_at: "",
                  last_login_at: null,
                },
              },
            })
          : json(200, { success: true, data: [] }),
      ),
    );
    const router = renderAt("/auth/login?redirect=%2Fadmin%2Fprofile");
    await userEvent.type(
      await screen.findByLabelText("Username or email", { exact: true }),
      "s@example.com",
    );
    await userEvent.type(screen.getByLabelText("Password", { exact: true }), "pw");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("heading", { level: 1, name: "Profile" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe("/admin/profile");
    expect(session.token()).toBe("new-token");
    const body = (await fetchMock.mock.calls[0]?.[0].json()) as Record<string, unknown>;
    expect(body).toMatchObject({ email: "s@example.com" });
    expect(body).not.toHaveProperty("username");
  });

  it("refuses mismatched passwords on the register form before calling the API", async () => {
    renderAt("/auth/register");
    await userEvent.type(await screen.findByLabelText("Username", { exact: true }), "newbie");
    await userEvent.type(screen.getByLabelText("Email", { exact: true }), "n@example.com");
    await userEvent.type(screen.getByLabelText("Password", { exact: true }), "Passw0rd!");
    await userEvent.type(screen.getByLabelText("Confirm password", { exact: true }), "other");
    await userEvent.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The passwords do not match.");
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
