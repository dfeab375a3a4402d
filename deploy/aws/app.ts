/**
 * The CDK app: `npx aws-cdk@2 deploy` in this folder (cdk.json), or
 * `npm run deno -- run -A deploy/aws/app.ts` to synthesize into
 * deploy/aws/cdk.out offline.
 *
 * @module
 */
import { App, BootstraplessSynthesizer } from "aws-cdk-lib";
import { GantryStack } from "./gantry_stack.ts";

const ROOT = new URL("../../", import.meta.url);

// The CDK CLI names its own output folder (CDK_OUTDIR); run directly, synthesize beside this file.
const app = new App(
  Deno.env.get("CDK_OUTDIR") ? {} : { outdir: new URL("deploy/aws/cdk.out", ROOT).pathname },
);
new GantryStack(app, "Gantry", {
  corePolicy: JSON.parse(await Deno.readTextFile(new URL("docs/iam-policy.json", ROOT))),
  coreUnit: await Deno.readTextFile(new URL("deploy/gantry-core.service", ROOT)),
}, {
  // No assets and no CDK bootstrap stack needed: the template also deploys with plain
  // `aws cloudformation deploy` (docs/deploy.md).
  synthesizer: new BootstraplessSynthesizer(),
  description: "Gantry: the core host, its role, the runners' profile and security group",
});
app.synth();
