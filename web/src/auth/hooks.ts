import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useCallback, useEffect, useSyncExternalStore } from "react";
import { api, unwrap } from "../api/client";
import { refreshDelay, session } from "./session";

export const ME = ["me"] as const;

export function useToken(): string | null {
  return useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.token(),
  );
}

/** The signed-in user; never requested without a token (it could only fail). */
export function useMe() {
  const token = useToken();
  return useQuery({
    queryKey: ME,
    queryFn: () => unwrap(api.GET("/api/v1/auth/me")),
    enabled: token !== null,
    staleTime: 5 * 60_000,
  });
}

const RETRY_REFRESH_MS = 60_000;

/** Extends the session at 75 % of its lifetime while the dashboard is open. */
export function useSessionRefresh(): void {
  const token = useToken();
  useEffect(() => {
    if (token === null) return;
    let timer: ReturnType<typeof setTimeout>;
    const schedule = (delay: number) => {
      timer = setTimeout(() => {
        void api.POST("/api/v1/auth/refresh").then(({ data }) => {
          if (data) session.extend(data.data.expires_at);
          // 409: refreshed moments ago (another tab); look again a little later.
          else schedule(RETRY_REFRESH_MS);
        });
      }, delay);
    };
    const stored = session.current();
    if (stored) schedule(refreshDelay(stored, Date.now()));
    return () => clearTimeout(timer);
  }, [token]);
}

/** Sign out: end the session server-side, then forget everything held for it. */
export function useLogout(): () => Promise<void> {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return useCallback(async () => {
    await api.POST("/api/v1/auth/logout").catch(() => undefined);
    session.clear();
    queryClient.clear();
    await navigate({ to: "/auth/login" });
  }, [navigate, queryClient]);
}

/** Only same-site paths: a crafted `?redirect=https://…` must not send people elsewhere. */
export function safeRedirect(target: string | undefined): string | undefined {
  if (!target || !target.startsWith("/") || target.startsWith("//") || target.startsWith("/\\"))
    return undefined;
  return target;
}
