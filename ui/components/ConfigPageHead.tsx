import { useEffect } from "preact/hooks";
import { useConsole } from "../console.ts";

/** A configuration page's store and role, its data loaded once on mount. */
export function useConfigPage() {
  const { config, session } = useConsole();
  useEffect(() => {
    void config.load();
  }, [config]);
  return { config, isAdmin: session.user.value?.role === "admin" };
}

/** The top of a configuration page: its title, the admin's create button, and the banners. */
export function ConfigPageHead(props: {
  title: string;
  actionLabel: string;
  isAdmin: boolean;
  isEditing: boolean;
  error: string | null;
  onAction: () => void;
}) {
  const { title, actionLabel, isAdmin, isEditing, error, onAction } = props;
  // The create button stays while its form is open, so Escape can give focus back to it.
  return (
    <>
      <header class="page-head">
        <h1>{title}</h1>
        {isAdmin && (
          <button type="button" class="button primary" aria-expanded={isEditing} onClick={onAction}>
            {actionLabel}
          </button>
        )}
      </header>
      {!isAdmin && <p class="banner banner-info">Read only: changes need the admin role.</p>}
      {error && <p class="banner banner-bad" role="alert">{error}</p>}
    </>
  );
}
