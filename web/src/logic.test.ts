import { describe, expect, it } from "vitest";
import { allows, home, navFor, requiredRole } from "./access";
import { safeRedirect } from "./auth/hooks";
import { refreshDelay, session } from "./auth/session";
import {
  formatDuration,
  formatPercent,
  localToIso,
  parseJson,
  parseJsonObject,
  tagFilter,
} from "./format";
import { nextStatuses } from "./pages/incident-rules";
import { isFinal, taskActions } from "./pages/task-rules";
import { userPowers } from "./pages/user-rules";

describe("access", () => {
  it("ranks roles", () => {
    expect(allows("admin", "moderator")).toBe(true);
    expect(allows("user", "moderator")).toBe(false);
  });
  it("takes the most specific area", () => {
    expect(requiredRole("/admin/users/new")).toBe("admin");
    expect(requiredRole("/admin/users/123")).toBe("moderator");
    expect(requiredRole("/admin/tasks/abc")).toBe("user");
    expect(requiredRole("/admin")).toBe("moderator");
    expect(requiredRole("/admin/taskslist")).toBe("moderator");
  });
  it("shows a regular user only their pages and sends them home to their tasks", () => {
    const labels = navFor("user").flatMap((s) => s.items.map((i) => i.label));
    expect(labels).toEqual(["Tasks", "New task", "Dead letter", "Profile"]);
    expect(home("user")).toBe("/admin/tasks");
    expect(home("moderator")).toBe("/admin");
    expect(navFor("admin").flatMap((s) => s.items)).toHaveLength(14);
  });
});

describe("session", () => {
  it("refreshes at 75 % of the lifetime", () => {
    const since = Date.parse("2026-01-01T00:00:00Z");
    const stored = {
      token: "t",
      since: new Date(since).toISOString(),
      expiresAt: new Date(since + 24 * 3600_000).toISOString(),
    };
    expect(refreshDelay(stored, since)).toBe(18 * 3600_000);
    expect(refreshDelay(stored, since + 20 * 3600_000)).toBe(0);
  });
  it("forgets an expired token and tells listeners a 401 ended it", () => {
    session.start("abc", new Date(Date.now() + 60_000).toISOString());
    expect(session.token()).toBe("abc");
    const reasons: string[] = [];
    const stop = session.subscribe((r) => reasons.push(r));
    session.expired();
    session.expired(); // only once
    stop();
    expect(reasons).toEqual(["expired"]);
    expect(session.token()).toBeNull();
    session.start("old", new Date(Date.now() - 1).toISOString());
    expect(session.token()).toBeNull();
  });
  it("only redirects within the site", () => {
    expect(safeRedirect("/admin/tasks?x=1")).toBe("/admin/tasks?x=1");
    for (const bad of [
      "https://evil.example",
      "//evil.example",
      "/\\evil.example",
      "admin",
      undefined,
    ]) {
      expect(safeRedirect(bad)).toBeUndefined();
    }
  });
});

describe("formatting", () => {
  it("formats durations and rates", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(2500)).toBe("2.5 s");
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(3_725_000)).toBe("1 h 2 min");
    expect(formatPercent(0.5)).toBe("50.0 %");
    expect(formatPercent(1)).toBe("100 %");
    expect(formatPercent(null)).toBe("—");
  });
  it("builds the API's tag filter and ISO instants", () => {
    expect(tagFilter(" env:dev , ,team:core ")).toBe("env:dev,team:core");
    expect(tagFilter("  ")).toBeUndefined();
    expect(localToIso("")).toBeUndefined();
    expect(localToIso("2026-01-02T03:04")).toMatch(/^2026-01-0\dT\d\d:04:00\.000Z$/);
  });
});

describe("lifecycles", () => {
  it("offers the task transitions the state machine allows", () => {
    expect(taskActions("pending")).toEqual({ cancel: true, retry: false, remove: false });
    expect(taskActions("failed")).toEqual({ cancel: false, retry: true, remove: true });
    expect(taskActions("running")).toEqual({ cancel: false, retry: false, remove: false });
    expect(isFinal("completed") && isFinal("cancelled") && !isFinal("retrying")).toBe(true);
  });
  it("parses payloads and says why not", () => {
    expect(parseJson('{"a": 1}', "Payload")).toEqual({ ok: true, value: { a: 1 } });
    const bad = parseJson("{a: 1}", "Payload");
    expect(bad.ok || bad.message.startsWith("Payload is not valid JSON")).toBe(true);
    expect(bad.ok).toBe(false);
    expect(parseJsonObject("", "Tags", "{}")).toEqual({});
    expect(parseJsonObject("[1]", "Tags", '{"env": "dev"}')).toBe(
      'Tags must be a JSON object, e.g. {"env": "dev"}.',
    );
  });
  it("moves incidents forward, reopens resolved ones, and never reopens closed ones", () => {
    expect(nextStatuses("open")).toEqual(["investigating", "resolved", "closed"]);
    expect(nextStatuses("resolved")).toContain("open");
    expect(nextStatuses("closed")).toEqual([]);
    expect(nextStatuses("bogus")).toEqual([]);
  });
  it("gives moderators power over regular users only, and nobody over themselves", () => {
    const mod = { id: "m", role: "moderator" as const };
    expect(userPowers(mod, { id: "u", role: "user" })).toEqual({
      changeRole: false,
      changeStatus: true,
      resetPassword: true,
      remove: false,
    });
    expect(userPowers(mod, { id: "a", role: "admin" }).changeStatus).toBe(false);
    const admin = { id: "a", role: "admin" as const };
    expect(userPowers(admin, { id: "m", role: "moderator" })).toEqual({
      changeRole: true,
      changeStatus: true,
      resetPassword: true,
      remove: true,
    });
    expect(userPowers(admin, admin)).toEqual({
      changeRole: false,
      changeStatus: false,
      resetPassword: false,
      remove: false,
    });
  });
});
