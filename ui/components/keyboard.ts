/**
 * Keyboard helpers for the console: what a mouse click does, Enter and
 * Space do too, and a panel that behaves as a dialog gives focus back.
 *
 * @module
 */
import { useLayoutEffect, useRef } from "preact/hooks";

/**
 * An onKeyDown for a selectable table row: Enter or Space on the row itself
 * selects it. Keys on a button inside the row stay that button's.
 */
export function selectOnKey(select: () => void): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.target !== event.currentTarget) return;
    if (event.key !== "Enter" && event.key !== " ") return;
    event.preventDefault();
    select();
  };
}

/**
 * For a non-modal dialog: on mount, focus moves to its first field (or
 * button); Escape calls `onClose`; on unmount, focus goes back to the
 * element that had it when the dialog opened.
 */
export function useDialogFocus<T extends HTMLElement>(onClose: () => void) {
  const ref = useRef<T>(null);
  // Before paint, so a key pressed right after opening already lands in the dialog.
  useLayoutEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("input, select, textarea") ??
      ref.current?.querySelector<HTMLElement>("button");
    first?.focus();
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== "Escape") return;
    event.preventDefault();
    onClose();
  };
  return { ref, onKeyDown };
}
