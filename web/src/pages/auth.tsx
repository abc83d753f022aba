import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate, useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { home } from "../access";
import { api, unwrap } from "../api/client";
import { ME, safeRedirect } from "../auth/hooks";
import { session } from "../auth/session";
import { text } from "../format";
import { Button, ErrorAlert, Field, inputClass, Page, type Submit } from "../components/ui";

function AuthFrame({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="mx-auto mt-16 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
      <p className="mb-4 text-sm font-semibold text-indigo-800">Serverless Starter</p>
      <Page title={title}>{children}</Page>
    </main>
  );
}

/** Signs in with a username or an email, then goes where the user was headed. */
function useSignIn() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { redirect } = useSearch({ strict: false });
  return async (login: string, password: string) => {
    const identity = login.includes("@") ? { email: login } : { username: login };
    const result = await unwrap(
      api.POST("/api/v1/auth/login", {
        body: { ...identity, password, user_agent: navigator.userAgent.slice(0, 512) },
      }),
    );
    session.start(result.session_token, result.expires_at);
    const { id, username, email, role } = result.user;
    queryClient.setQueryData(ME, { id, username, email, role });
    await navigate({ to: safeRedirect(redirect) ?? home(role) });
  };
}

export function LoginPage() {
  const signIn = useSignIn();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Submit) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      await signIn(text(form, "login").trim(), text(form, "password"));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title="Sign in">
      <form onSubmit={(e) => void submit(e)} className="space-y-4">
        <ErrorAlert error={error} />
        <Field label="Username or email">
          <input name="login" required autoComplete="username" className={inputClass} />
        </Field>
        <Field label="Password">
          <input
            name="password"
            type="password"
            required
            autoComplete="current-password"
            className={inputClass}
          />
        </Field>
        <Button type="submit" disabled={busy} className="w-full">
          Sign in
        </Button>
      </form>
      <p className="text-sm">
        No account?{" "}
        <Link to="/auth/register" className="text-indigo-800 underline">
          Create one
        </Link>
      </p>
    </AuthFrame>
  );
}

export function RegisterPage() {
  const signIn = useSignIn();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Submit) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const username = text(form, "username").trim();
    const password = text(form, "password");
    if (password !== text(form, "confirm")) {
      setError(new Error("The passwords do not match."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await unwrap(
        api.POST("/api/v1/auth/register", {
          body: { username, email: text(form, "email").trim(), password },
        }),
      );
      await signIn(username, password);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthFrame title="Create an account">
      <form onSubmit={(e) => void submit(e)} className="space-y-4">
        <ErrorAlert error={error} />
        <Field label="Username" hint="3–50 letters, digits, _ or -">
          <input name="username" required autoComplete="username" className={inputClass} />
        </Field>
        <Field label="Email">
          <input name="email" type="email" required autoComplete="email" className={inputClass} />
        </Field>
        <Field
          label="Password"
          hint="At least 8 characters with 3 of: upper case, lower case, digits, symbols"
        >
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete="new-password"
            className={inputClass}
          />
        </Field>
        <Field label="Confirm password">
          <input
            name="confirm"
            type="password"
            required
            autoComplete="new-password"
            className={inputClass}
          />
        </Field>
        <Button type="submit" disabled={busy} className="w-full">
          Create account
        </Button>
      </form>
      <p className="text-sm">
        Already registered?{" "}
        <Link to="/auth/login" className="text-indigo-800 underline">
          Sign in
        </Link>
      </p>
    </AuthFrame>
  );
}
