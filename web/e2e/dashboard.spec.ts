import { expect, test } from "@playwright/test";
import { ADMIN, axeViolations, call, PASSWORD, settled, signIn, token, watch } from "./helpers";

const STATIC_ROUTES = [
  "/admin",
  "/admin/tasks",
  "/admin/tasks/new",
  "/admin/tasks/dead-letter",
  "/admin/users",
  "/admin/users/new",
  "/admin/analytics",
  "/admin/health",
  "/admin/monitoring",
  "/admin/monitoring/events",
  "/admin/monitoring/metrics",
  "/admin/monitoring/alerts",
  "/admin/monitoring/incidents",
  "/admin/profile",
  "/admin/audit",
];

const shot = (route: string) =>
  `test-results/screenshots/${route.replace(/^\//, "").replace(/[/]/g, "_") || "root"}.png`;

test("signed out: the login page makes no API call and is accessible", async ({ page }) => {
  const apiCalls: string[] = [];
  page.on("request", (r) => {
    if (r.url().includes("/api/")) apiCalls.push(r.url());
  });
  const problems = watch(page);
  await page.goto("/admin/tasks");
  await expect(page).toHaveURL(/\/auth\/login\?redirect=/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in");
  await settled(page);
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: shot("/auth/login"), fullPage: true });
  await page.goto("/auth/register");
  await settled(page);
  expect(await axeViolations(page)).toEqual([]);
  await page.screenshot({ path: shot("/auth/register"), fullPage: true });
  const favicon = await page.request.get("/favicon.svg");
  expect(favicon.headers()["content-type"]).toContain("image/svg+xml");
  expect(apiCalls).toEqual([]);
  expect(problems).toEqual([]);
});

test("a wrong password is reported in an alert", async ({ page }) => {
  await page.goto("/auth/login");
  await page.getByLabel("Username or email", { exact: true }).fill(ADMIN.username);
  await page.getByLabel("Password", { exact: true }).fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText(/invalid/i);
});

test("the admin opens every page without errors, failed calls or accessibility violations", async ({
  page,
  request,
}) => {
  const problems = watch(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await expect(page).toHaveURL(/\/admin$/);
  const bearer = await token(page);
  const task = await call<{ id: string }>(request, bearer, "POST", "/api/v1/tasks", {
    task_type: "delay_task",
    payload: { delay_seconds: 0 },
  });
  const incident = await call<{ id: string }>(
    request,
    bearer,
    "POST",
    "/api/v1/monitoring/incidents",
    { title: "Tour incident", severity: "low" },
  );
  const name = `tour_${Date.now()}`;
  const user = await call<{ id: string }>(request, bearer, "POST", "/api/v1/users", {
    username: name,
    email: `${name}@example.com`,
    password: PASSWORD,
  });
  for (const value of [3, 5]) {
    // Two points: the metrics page draws their line (checked below).
    await call(request, bearer, "POST", "/api/v1/monitoring/metrics", {
      name: "e2e_tour",
      metric_type: "gauge",
      value,
    });
  }

  const routes = [
    ...STATIC_ROUTES,
    `/admin/tasks/${task.id}`,
    `/admin/users/${user.id}`,
    `/admin/monitoring/incidents/${incident.id}`,
  ];
  const violations: Record<string, string[]> = {};
  for (const route of routes) {
    await page.goto(route);
    await expect(page.getByRole("heading", { level: 1 }), route).toHaveCount(1);
    await settled(page);
    await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Access denied");
    if (route === "/admin/analytics") {
      // Bars, not just axes: users by role always has the admin.
      for (const chart of ["Active users per role", "Tasks per day (UTC)"]) {
        const figure = page.locator("figure", { hasText: chart });
        await expect(figure.locator(".recharts-bar-rectangle path").first()).toBeVisible();
      }
    }
    if (route === "/admin/monitoring/metrics") {
      await expect(page.locator(".recharts-line-curve")).not.toHaveCount(0);
    }
    const found = await axeViolations(page);
    if (found.length) violations[route] = found;
    await page.screenshot({ path: shot(route), fullPage: true });
  }
  expect(violations).toEqual({});
  expect(problems).toEqual([]);
});

test("a task created from the form runs to completed while the page watches", async ({ page }) => {
  const problems = watch(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/tasks/new");
  await page.getByLabel("Task type", { exact: true }).selectOption("delay_task");
  await expect(page.getByLabel("Payload", { exact: true })).toHaveValue(/"delay_seconds": 1/);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/admin\/tasks\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("task-status")).toHaveText("completed", { timeout: 60_000 });
  await expect(page.getByRole("table", { name: "Attempt history" })).toContainText("success");
  expect(problems).toEqual([]);
});

test("a registered user works in their own space and is kept out of admin pages", async ({
  page,
}) => {
  const problems = watch(page);
  const name = `reg_${Date.now()}`;
  await page.goto("/auth/register");
  await page.getByLabel("Username", { exact: true }).fill(name);
  await page.getByLabel("Email", { exact: true }).fill(`${name}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Confirm password", { exact: true }).fill("different");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("alert")).toContainText("do not match");
  await page.getByLabel("Confirm password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/admin\/tasks$/);
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: "Tasks", exact: true })).toBeVisible();
  for (const hidden of ["Users", "Audit trail", "Analytics", "Health", "Monitoring", "Overview"]) {
    await expect(nav.getByRole("link", { name: hidden, exact: true })).toHaveCount(0);
  }
  for (const route of [
    "/admin",
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
    "/admin/analytics",
    "/admin/health",
    "/admin/monitoring/alerts",
  ]) {
    await page.goto(route);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Access denied");
  }
  expect(await axeViolations(page)).toEqual([]);
  for (const route of [
    "/admin/tasks",
    "/admin/tasks/new",
    "/admin/tasks/dead-letter",
    "/admin/profile",
  ]) {
    await page.goto(route);
    await settled(page);
    await expect(page.getByRole("heading", { level: 1 })).not.toHaveText("Access denied");
    expect(await axeViolations(page), route).toEqual([]);
  }
  expect(problems).toEqual([]);
});

test("an API key is shown once and works for a plain HTTP client", async ({ page, request }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/profile");
  await page.getByLabel("Key name", { exact: true }).fill(`e2e key ${Date.now()}`);
  await page.getByRole("button", { name: "Create key" }).click();
  const secret = (await page.getByTestId("api-key-secret").textContent())?.trim() ?? "";
  expect(secret.length).toBeGreaterThan(20);
  const me = await request.get("/api/v1/auth/me", {
    headers: { Authorization: `Bearer ${secret}` },
  });
  expect(me.status()).toBe(200);
  expect(((await me.json()) as { data: { username: string } }).data.username).toBe(ADMIN.username);
  await page.reload();
  await expect(page.getByTestId("api-key-secret")).toHaveCount(0);
});

test("an incident is opened and resolved from its page", async ({ page }) => {
  const problems = watch(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/monitoring/incidents");
  const title = `Queue backlog ${Date.now()}`;
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Open incident" }).click();
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByTestId("incident-status")).toHaveText("open");
  await page.getByLabel("Root cause", { exact: true }).fill("A stuck consumer");
  await page.getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByTestId("incident-status")).toHaveText("resolved");
  await expect(page.getByRole("button", { name: "Reopen" })).toBeVisible();
  expect(problems).toEqual([]);
});

test("an ended session sends the user to sign in, then back where they were", async ({ page }) => {
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem("starter.session") ?? "{}") as Record<
      string,
      string
    >;
    localStorage.setItem("starter.session", JSON.stringify({ ...stored, token: "revoked-token" }));
  });
  await page.goto("/admin/monitoring/events");
  await expect(page).toHaveURL(/\/auth\/login\?redirect=/);
  await page.getByLabel("Username or email", { exact: true }).fill(ADMIN.username);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/monitoring\/events$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/auth\/login$/);
  expect(await page.evaluate(() => localStorage.getItem("starter.session"))).toBeNull();
});

test("events are recorded and filtered by tag; an alert rule is created, edited and deleted", async ({
  page,
}) => {
  const problems = watch(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/monitoring/events");
  const marker = `run${Date.now()}`;
  await page.getByLabel("Message", { exact: true }).fill("Cache warmed");
  await page.getByLabel("Event tags (JSON)", { exact: true }).fill(`{"marker": "${marker}"}`);
  await page.getByRole("button", { name: "Record event" }).click();
  await expect(page.getByText("Event recorded.")).toBeVisible();
  await page.getByLabel("Tags", { exact: true }).fill(`marker:${marker}`);
  await page.getByRole("button", { name: "Apply filters" }).click();
  const events = page.getByRole("table", { name: "Events" });
  await expect(events.getByRole("row")).toHaveCount(2); // the header and the one event
  await expect(events).toContainText("Cache warmed");

  await page.goto("/admin/monitoring/alerts");
  const rule = `Errors ${marker}`;
  await page.getByLabel("Rule name", { exact: true }).fill(rule);
  await page.getByRole("button", { name: "Create rule" }).click();
  const rules = page.getByRole("table", { name: "Alert rules" });
  await expect(rules).toContainText(rule);
  await rules
    .getByRole("row", { name: new RegExp(rule) })
    .getByRole("button", { name: /Edit/ })
    .click();
  await page.getByLabel("Threshold", { exact: true }).fill("42");
  await page.getByRole("button", { name: "Save rule" }).click();
  await expect(rules.getByRole("row", { name: new RegExp(rule) })).toContainText("> 42");
  await rules
    .getByRole("row", { name: new RegExp(rule) })
    .getByRole("button", { name: "Delete" })
    .click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
  await expect(rules.getByText(rule)).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("an admin creates a user, changes their role, deactivates them, and the audit trail shows it", async ({
  page,
}) => {
  const problems = watch(page);
  await signIn(page, ADMIN.username, ADMIN.password);
  await page.goto("/admin/users/new");
  const name = `staff_${Date.now()}`;
  await page.getByLabel("Username", { exact: true }).fill(name);
  await page.getByLabel("Email", { exact: true }).fill(`${name}@example.com`);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Reason (audit trail)", { exact: true }).fill("e2e onboarding");
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await page.getByLabel("New role", { exact: true }).selectOption("moderator");
  await page.getByRole("button", { name: "Change role" }).click();
  await expect(page.getByText("Role changed to moderator.")).toBeVisible();
  await page.getByRole("button", { name: "Deactivate" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByText("User deactivated.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Activate" })).toBeVisible();

  await page.goto("/admin/users");
  await page.getByLabel("Show", { exact: true }).selectOption("deactivated");
  const deactivated = page.getByRole("table", { name: "Deactivated users" });
  await deactivated
    .getByRole("row", { name: new RegExp(name) })
    .getByRole("button", { name: /Activate/ })
    .click();
  await expect(page.getByText(name)).toHaveCount(0);
  await page.getByLabel("Show", { exact: true }).selectOption("active");
  await expect(page.getByRole("table", { name: "Users" })).toContainText(name);

  await page.goto("/admin/audit");
  await page.getByLabel("Action", { exact: true }).selectOption("user.role");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(
    page.getByRole("table", { name: "Audit entries" }).getByRole("row", { name: new RegExp(name) }),
  ).toContainText("user.role");
  expect(problems).toEqual([]);
});
