/** The console's entry: builds the models and renders the app into #app. */
import { render } from "preact";
import { App } from "./App.tsx";
import { createConsole } from "./console.ts";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App console={createConsole(globalThis.window)} />, root);
