// The Continue page: a one-screen Retool app, shipped as a Toolscript ZIP (Retool's "Import app
// from ZIP"). After login the user presses Continue; the page syncs the signed-in user's row and,
// once it exists, opens the home app. How it syncs follows the stack's Continue page mode:
//   claims:             a WorkflowRun query runs the Continue page workflow with current_user's
//                       fields (free and team: nothing can check them);
//   current-user:       its own SQL query on the page resource, with only current_user values,
//                       which Retool's query-spoofing check verifies on its server.
// File layout and attribute forms follow Retool's own source-control and ZIP exports; the README
// gives the same page as manual steps.
import { strToU8, zipSync } from "fflate";
import type { StackSettings } from "../../config/schema";
import { PLAN_CAPABILITIES } from "../../domain/plans";
import type { RetoolLayout } from "../../domain/retoolLayout";
import { CONTINUE_PAGE_PAYLOAD, entryPointCall, type RetoolResourceRefs, refTo } from "./syncWorkflows";
import { stableUuid } from "./workflow/workflowFile";

export const CONTINUE_PAGE_ZIP = "continue-page.zip";
export const CONTINUE_PAGE_APP = "retool-user-sync continue page";

/** Placeholder the page's query carries until an admin picks the imported workflow. */
export const WORKFLOW_ID_PLACEHOLDER = "SELECT_THE_CONTINUE_PAGE_WORKFLOW";

/** The WorkflowRun body: the payload as one JS object, which Retool evaluates in the browser. */
export const continuePageParams = () =>
  `{{ { ${Object.entries(CONTINUE_PAGE_PAYLOAD)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")} } }}`;

/** The current-user page's own query: the page entry point with current_user's values only. */
export const continuePageQuery = () => entryPointCall("page", Object.values(CONTINUE_PAGE_PAYLOAD));

const attr = (value: string) => JSON.stringify(value);

function syncQuery(settings: StackSettings, layout: RetoolLayout, refs: RetoolResourceRefs): { rsx: string; lib: Record<string, string> } {
  const onSuccess = `    <Event id="c0a1b2c4" event="success" method="trigger" params={{}} pluginId="openHomeApp" type="datasource" waitMs="0" waitType="debounce" />`;
  if (layout.continuePage === "current-user") {
    const page = refTo(refs, "page");
    return {
      rsx: `  <SqlQueryUnified id="syncUser" query={include("./lib/syncUser.sql", "string")} resourceDisplayName=${attr(page.displayName)} resourceName=${attr(page.id ?? page.displayName)} runWhenModelUpdates={false} warningCodes={[]}>
${onSuccess}
  </SqlQueryUnified>`,
      lib: { "lib/syncUser.sql": `${continuePageQuery()}\n` },
    };
  }
  const workflowId = settings.retool.continuePageWorkflowId ?? WORKFLOW_ID_PLACEHOLDER;
  return {
    rsx: `  <WorkflowRun id="syncUser" resourceName="WorkflowRun" workflowId=${attr(workflowId)} workflowParams={include("./lib/syncUserParams.json", "string")} workflowRunBodyType="raw" workflowRunExecutionType="sync">
${onSuccess}
  </WorkflowRun>`,
    lib: { "lib/syncUserParams.json": continuePageParams() },
  };
}

export function continuePageFiles(settings: StackSettings, layout: RetoolLayout, refs: RetoolResourceRefs): Record<string, string> {
  const { retool } = settings;
  const external = PLAN_CAPABILITIES[settings.plan].externalUsers;
  const query = syncQuery(settings, layout, refs);
  const main = `<App>
  <Include src="./functions.rsx" />
  <Frame id="$main" isHiddenOnDesktop={false} isHiddenOnMobile={false} padding="8px 12px" paddingType="normal" sticky={false} type="main">
    <Text id="welcomeTitle" marginType="normal" value=${attr("### Welcome{{ current_user.firstName ? ', ' + current_user.firstName : '' }}")} verticalAlign="center" />
    <Text id="welcomeBody" marginType="normal" value=${attr(`Signed in as **{{ current_user.email }}**. Press Continue to set up your account${external ? " and open your apps" : ""}.`)} verticalAlign="center" />
    <Button id="continueButton" loading="{{ syncUser.isFetching }}" marginType="normal" text="Continue">
      <Event id="c0a1b2c3" event="click" method="trigger" params={{}} pluginId="syncUser" type="datasource" waitMs="0" waitType="debounce" />
    </Button>
    <Text id="syncError" hidden="{{ !syncUser.error }}" marginType="normal" value=${attr("Your account could not be set up: {{ syncUser.error }}. Try again, or send this message to your Retool admin.")} verticalAlign="center" />
  </Frame>
</App>
`;
  const functions = `<GlobalFunctions>
${query.rsx}
  <JavascriptQuery id="openHomeApp" query={include("./lib/openHomeApp.js", "string")} resourceName="JavascriptQuery" runWhenModelUpdates={false} />
</GlobalFunctions>
`;
  const metadata = {
    toolscriptVersion: "1.0.0",
    version: "43.0.9",
    pageUuid: stableUuid(CONTINUE_PAGE_APP),
    appTemplate: {
      appMaxWidth: "100%",
      appThemeId: -1,
      experimentalFeatures: { object: { sourceControlTemplateDehydration: false } },
      notificationsSettings: { object: { globalQueryShowFailureToast: true, globalQueryShowSuccessToast: false, globalQueryToastDuration: 4.5 } },
      version: retool.templateVersion,
    },
  };
  const positions = {
    welcomeTitle: { row: 0, height: 0.6, width: 12 },
    welcomeBody: { row: 0.6, height: 0.6, width: 12 },
    continueButton: { row: 1.2, height: 1, width: 3 },
    syncError: { row: 2.2, height: 0.6, width: 12 },
  };
  return {
    "main.rsx": main,
    "functions.rsx": functions,
    ...query.lib,
    "lib/openHomeApp.js": `utils.openUrl(${JSON.stringify(retool.homeAppUrl)}, { newTab: false });\n`,
    "metadata.json": `${JSON.stringify(metadata, null, 2)}\n`,
    ".positions.json": `${JSON.stringify(positions, null, 2)}\n`,
  };
}

// Fixed mtime: the ZIP is byte-identical for identical config.
const ZIP_MTIME = new Date(Date.UTC(2026, 0, 1));

/** Retool's own ZIP export keeps the app's files at the archive root, with no wrapping folder. */
export function continuePageZip(settings: StackSettings, layout: RetoolLayout, refs: RetoolResourceRefs): Uint8Array {
  const files = continuePageFiles(settings, layout, refs);
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const name of Object.keys(files).sort()) entries[name] = [strToU8(files[name]), { mtime: ZIP_MTIME }];
  return zipSync(entries, { level: 9 });
}
