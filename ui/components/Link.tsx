import type { ComponentChildren } from "preact";
import { useConsole } from "../console.ts";

/** An in-console link: a real `<a href>` (open in new tab works) that routes without a reload. */
export function Link(
  props: { href: string; class?: string; children: ComponentChildren; "aria-current"?: "page" },
) {
  const { router } = useConsole();
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        router.navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
