/**
 * The backup page's model: export the configuration as JSON, and import a
 * document in two steps — a dry run that shows the diff, then the apply.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import { BackupDocument, type ImportResult } from "../../shared/schema/config_api.ts";
import type { ApiClient } from "../api/client.ts";
import { errorsOfFailure } from "../forms/form_errors.ts";

/** The backup model: signals and actions. */
export interface BackupModel {
  /** The last export, pretty-printed. */
  readonly exported: ReadonlySignal<string | null>;
  /** The diff of the document last previewed, or the result of the last apply. */
  readonly result: ReadonlySignal<ImportResult | null>;
  readonly error: ReadonlySignal<string | null>;
  readonly isBusy: ReadonlySignal<boolean>;
  exportNow(): Promise<void>;
  /** Parses and checks `text` as the API will, then asks for the diff. */
  preview(text: string): Promise<void>;
  /** Applies the document last previewed. */
  apply(): Promise<void>;
  /** Forgets the preview (the text changed). */
  reset(): void;
}

/** A backup model over `api`. */
export function createBackupModel(api: ApiClient): BackupModel {
  const exported = signal<string | null>(null);
  const result = signal<ImportResult | null>(null);
  const error = signal<string | null>(null);
  const isBusy = signal(false);
  let previewed: BackupDocument | null = null;

  const busy = async (work: () => Promise<void>) => {
    isBusy.value = true;
    try {
      await work();
      error.value = null;
    } catch (reason) {
      const { message, fields } = errorsOfFailure(reason);
      const details = Object.entries(fields).map(([path, text]) => `${path}: ${text}`);
      error.value = [message, ...details].filter(Boolean).join("\n");
    } finally {
      isBusy.value = false;
    }
  };

  return {
    exported,
    result,
    error,
    isBusy,
    exportNow: () =>
      busy(async () => {
        exported.value = JSON.stringify(await api.config.exportBackup(), null, 2);
      }),
    async preview(text) {
      result.value = null;
      previewed = null;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (_notJson) {
        error.value = "the backup is not valid JSON";
        return;
      }
      const parsed = BackupDocument.safeParse(json);
      if (!parsed.success) {
        error.value = parsed.error.issues
          .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("\n");
        return;
      }
      await busy(async () => {
        result.value = await api.config.importBackup(parsed.data, { dryRun: true });
        previewed = parsed.data;
      });
    },
    apply: () =>
      busy(async () => {
        if (!previewed) throw new Error("preview the import first");
        result.value = await api.config.importBackup(previewed, { dryRun: false });
        previewed = null;
      }),
    reset() {
      result.value = null;
      previewed = null;
      error.value = null;
    },
  };
}
