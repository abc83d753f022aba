import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError, toApiError } from "../api/client";
import { ErrorAlert, Field, Page, Pager } from "./ui";

describe("form parts", () => {
  it("names a control exactly by its label, options and hint apart", () => {
    render(
      <Field label="Task type" hint="What runs">
        <select>
          <option>email</option>
        </select>
      </Field>,
    );
    const select = screen.getByLabelText("Task type", { exact: true });
    expect(select.tagName).toBe("SELECT");
    expect(select).toHaveAccessibleDescription("What runs");
  });

  it("shows the API's message and field errors in an alert", () => {
    const error = toApiError(400, {
      success: false,
      error: {
        code: "VALIDATION_ERROR",
        message: "Invalid input",
        details: [{ field: "email", message: "not an email" }],
      },
    });
    expect(error).toBeInstanceOf(ApiError);
    render(<ErrorAlert error={error} />);
    expect(screen.getByRole("alert")).toHaveTextContent("Invalid input");
    expect(screen.getByRole("alert")).toHaveTextContent("email: not an email");
  });

  it("falls back to the HTTP status when the body is not an envelope", () => {
    expect(toApiError(502, "<html>").message).toBe("The request failed (HTTP 502)");
  });

  it("renders nothing without an error", () => {
    const { container } = render(<ErrorAlert error={null} />);
    expect(container).toBeEmptyDOMElement();
  });

  it("gives every page one h1 and a matching title", () => {
    render(<Page title="Tasks">body</Page>);
    expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
    expect(document.title).toBe("Tasks · Serverless Starter");
  });

  it("pages forward only while a full page came back", async () => {
    const seen: number[] = [];
    const { rerender } = render(
      <Pager offset={0} limit={2} count={2} onChange={(o) => seen.push(o)} />,
    );
    expect(screen.getByRole("button", { name: "Previous" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Next" }));
    expect(seen).toEqual([2]);
    rerender(<Pager offset={2} limit={2} count={1} onChange={(o) => seen.push(o)} />);
    expect(screen.getByRole("button", { name: "Next" })).toBeDisabled();
    expect(screen.getByText("Rows 3–3")).toBeInTheDocument();
  });
});
