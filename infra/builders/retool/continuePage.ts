// The Continue page: a one-screen Retool app, shipped as a Toolscript ZIP (Retool's "Import app
// from ZIP"). After login the user presses Continue; the page runs the sync workflow with
// current_user's fields and, once the row exists, opens the home app. Toolscript layout from
// shared/reference/retool-workflows.md §6; the README gives the same page as manual steps.
import { strToU8, zipSync } from "fflate";
import { StackSettings } from "../../config/schema";
import { CONTINUE_PAGE_PAYLOAD } from "./syncWorkflows";
import { stableUuid } from "./workflow/workflowFile";

export const CONTINUE_PAGE_ZIP = "continue-page.zip";
export const CONTINUE_PAGE_APP = "retool-user-sync continue page";

/** Placeholder the page's query carries until an admin picks the imported workflow. */
export const WORKFLOW_ID_PLACEHOLDER = "SELECT_THE_CONTINUE_PAGE_WORKFLOW";

// The page's body: the payload as one JS object, so Retool evaluates it in the browser.
const payloadExpression = () =>
  `{{ { ${Object.entries(CONTINUE_PAGE_PAYLOAD)
    .map(([k, v]) => `${k}: ${v.replace(/^\{\{\s*|\s*\}\}$/g, "")}`)
    .join(", ")} } }}`;

const attr = (value: string) => JSON.stringify(value);

export function continuePageFiles(settings: StackSettings): Record<string, string> {
  const { retool } = settings;
  const workflowId = retool.continuePageWorkflowId ?? WORKFLOW_ID_PLACEHOLDER;
  const external = settings.plan === "business";
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
  <WorkflowRun id="syncUser" resourceName="WorkflowRun" workflowId=${attr(workflowId)} workflowParams={include("./lib/syncUserParams.txt", "string")} workflowRunBodyType="raw" workflowRunExecutionType="sync">
    <Event id="c0a1b2c4" event="success" method="trigger" params={{}} pluginId="openHomeApp" type="datasource" waitMs="0" waitType="debounce" />
  </WorkflowRun>
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
    "lib/syncUserParams.txt": payloadExpression(),
    "lib/openHomeApp.js": `utils.openUrl(${JSON.stringify(retool.homeAppUrl)}, { newTab: false });\n`,
    "metadata.json": `${JSON.stringify(metadata, null, 2)}\n`,
    ".positions.json": `${JSON.stringify(positions, null, 2)}\n`,
  };
}

// Fixed mtime: the ZIP is byte-identical for identical config.
const ZIP_MTIME = new Date(Date.UTC(2026, 0, 1));

export function continuePageZip(settings: StackSettings): Uint8Array {
  const files = continuePageFiles(settings);
  const entries = Object.fromEntries(Object.keys(files).sort().map((name) => [`${CONTINUE_PAGE_APP}/${name}`, [strToU8(files[name]), { mtime: ZIP_MTIME }] as const]));
  return zipSync(entries as never, { level: 9 });
}
