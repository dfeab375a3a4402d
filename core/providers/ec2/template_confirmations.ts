/**
 * Launch templates seen to exist, and when. Every batch used to ask
 * DescribeLaunchTemplates first: one more EC2 call, and its round trip, in
 * front of every launch. A template seen within the last few minutes is
 * trusted instead; if it was deleted behind Gantry's back meanwhile, the call
 * that finds it gone says so ({@link isTemplateGone}), the id is forgotten,
 * and the next ensure looks again and re-creates it.
 */
/** How long a template seen to exist is trusted without asking EC2 again. */
export const TEMPLATE_TRUST_MS = 5 * 60_000;

const GONE_CODES = new Set([
  "InvalidLaunchTemplateId.NotFound",
  "InvalidLaunchTemplateName.NotFoundException",
]);

/** EC2's code for "the launch template itself does not exist" (not a version of it). */
export function isTemplateGone(code: string | undefined): boolean {
  return code !== undefined && GONE_CODES.has(code);
}

export class TemplateConfirmations {
  readonly #seenAt = new Map<string, number>();

  constructor(readonly now: () => number) {}

  /** Seen to exist within {@link TEMPLATE_TRUST_MS}. */
  isTrusted(id: string): boolean {
    const at = this.#seenAt.get(id);
    return at !== undefined && this.now() - at < TEMPLATE_TRUST_MS;
  }

  confirm(id: string): void {
    this.#seenAt.set(id, this.now());
  }

  /** Stops trusting `id`; whether it was trusted. */
  forget(id: string): boolean {
    const wasTrusted = this.isTrusted(id);
    this.#seenAt.delete(id);
    return wasTrusted;
  }
}
