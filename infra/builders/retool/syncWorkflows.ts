// The sync workflows per plan. Each one ends in the same SQL call (syncUserCall), with the source
// fixed in the workflow, which users cannot edit; only the values come from the trigger.
import { StackSettings } from "../../config/schema";
import { RETOOL_USER_ID_PATTERN } from "../sql/retoolUserId";
import { BATCH_FUNCTION } from "../sql/batchSync";
import { syncUserCall } from "../sql/syncFunction";
import { RetoolLayout, WorkflowTrigger } from "./retoolLayout";
import { BlockSpec, ResourceRef, WorkflowFile, WorkflowSpec, buildWorkflowFile } from "./workflow/workflowFile";

export interface RetoolResourceRefs {
  database: ResourceRef;
  /** Present when a workflow calls Retool's API. */
  api?: ResourceRef;
}

/** The file each workflow is written to, named after what triggers it. */
export const WORKFLOW_FILES: Record<WorkflowTrigger, string> = {
  "continue-page": "workflow-continue-page.json",
  "user-created": "workflow-retool-event-user-created.json",
  "login-attempted": "workflow-retool-event-login-attempted.json",
  "reconcile-schedule": "workflow-schedule-reconcile.json",
};

/** What the Continue page sends (its WorkflowRun query's JSON body). */
export const CONTINUE_PAGE_PAYLOAD = {
  retoolUserId: "{{ current_user.sid }}",
  email: "{{ current_user.email }}",
  firstName: "{{ current_user.firstName }}",
  lastName: "{{ current_user.lastName }}",
} as const;

const t = (expr: string) => `{{ ${expr} }}`;
const fields = (from: string, active?: string) => ({
  retoolUserId: t(`${from}.retoolUserId`),
  email: t(`${from}.email`),
  firstName: t(`${from}.firstName`),
  lastName: t(`${from}.lastName`),
  ...(active ? { active: t(active) } : {}),
});

// Retool returns SQL results column-wise; the row is the first of formatDataAsArray.
const returnRow = (pluginId: string) => `{ user: formatDataAsArray(${pluginId}.data)[0] }`;

/** JS that throws unless the claimed id looks like a Retool User ID (it goes into an API path). */
const ID_GUARD = (expr: string) => `/${RETOOL_USER_ID_PATTERN}/.test(String(${expr})) ? ${expr} : 'invalid-retool-user-id'`;

// The business claim check: the API's record of the claimed id must carry the claimed email.
const VERIFY_CLAIM = `const claimed = startTrigger.data || {};
const user = lookupUser.data && lookupUser.data.data;
if (!user || user.id !== claimed.retoolUserId) throw new Error('Retool has no user ' + claimed.retoolUserId);
if (String(user.email).toLowerCase() !== String(claimed.email || '').toLowerCase()) throw new Error('The email sent for ' + user.id + ' is not the one Retool has for that user');
if (user.active === false) throw new Error('Retool user ' + user.id + ' is disabled');
return { retoolUserId: user.id, email: user.email, firstName: user.first_name, lastName: user.last_name };`;

// User Created carries only the email; the API's list filtered by it gives the id.
const PICK_USER = `const email = String((startTrigger.data || {}).userEmail || '').toLowerCase();
const users = ((lookupUser.data && lookupUser.data.data) || []).filter((u) => String(u.email).toLowerCase() === email);
if (users.length !== 1) throw new Error('Expected one Retool user with email ' + email + ', found ' + users.length);
const user = users[0];
return { retoolUserId: user.id, email: user.email, firstName: user.first_name, lastName: user.last_name, active: user.active !== false };`;

function continuePageBlocks(layout: RetoolLayout, refs: RetoolResourceRefs): BlockSpec[] {
  const start: BlockSpec = {
    kind: "webhook",
    pluginId: "startTrigger",
    exampleInput: { retoolUserId: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Jo", lastName: "Doe" },
  };
  if (!layout.checksContinuePage) {
    return [
      start,
      { kind: "sql", pluginId: "syncUser", parent: "startTrigger", resource: refs.database, statement: syncUserCall("continue_page", fields("startTrigger.data")) },
      { kind: "response", pluginId: "response1", parent: "syncUser", status: 200, body: returnRow("syncUser") },
    ];
  }
  return [
    start,
    { kind: "rest", pluginId: "lookupUser", parent: "startTrigger", resource: refs.api!, method: "GET", path: `users/${t(ID_GUARD("startTrigger.data.retoolUserId"))}` },
    { kind: "code", pluginId: "verifyClaim", parent: "lookupUser", code: VERIFY_CLAIM },
    { kind: "sql", pluginId: "syncUser", parent: "verifyClaim", resource: refs.database, statement: syncUserCall("continue_page", fields("verifyClaim.data")) },
    { kind: "response", pluginId: "response1", parent: "syncUser", status: 200, body: returnRow("syncUser") },
  ];
}

function userCreatedBlocks(refs: RetoolResourceRefs): BlockSpec[] {
  return [
    { kind: "webhook", pluginId: "startTrigger", exampleInput: { userEmail: "jo@example.com" } },
    { kind: "rest", pluginId: "lookupUser", parent: "startTrigger", resource: refs.api!, method: "GET", path: `users?email=${t("encodeURIComponent(startTrigger.data.userEmail)")}` },
    { kind: "code", pluginId: "pickUser", parent: "lookupUser", code: PICK_USER },
    { kind: "sql", pluginId: "syncUser", parent: "pickUser", resource: refs.database, statement: syncUserCall("event", fields("pickUser.data", "pickUser.data.active")) },
    { kind: "response", pluginId: "response1", parent: "syncUser", status: 200, body: returnRow("syncUser") },
  ];
}

function loginAttemptedBlocks(refs: RetoolResourceRefs): BlockSpec[] {
  // Login Attempted's payload is the whole user: id (the sid), email, firstName, lastName, active...
  const d = "startTrigger.data";
  return [
    {
      kind: "webhook",
      pluginId: "startTrigger",
      exampleInput: { id: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Jo", lastName: "Doe", active: true },
    },
    {
      kind: "sql",
      pluginId: "syncUser",
      parent: "startTrigger",
      resource: refs.database,
      statement: syncUserCall("event", { retoolUserId: t(`${d}.id`), email: t(`${d}.email`), firstName: t(`${d}.firstName`), lastName: t(`${d}.lastName`), active: t(`${d}.active !== false`) }),
    },
    { kind: "response", pluginId: "response1", parent: "syncUser", status: 200, body: returnRow("syncUser") },
  ];
}

function reconcileScheduleBlocks(refs: RetoolResourceRefs): BlockSpec[] {
  // Without limit, GET /users returns every user (spec 2.12); the whole list goes to sync_users as
  // one JSON parameter, through the same rules as `npm run reconcile -- --apply`.
  return [
    { kind: "schedule", pluginId: "startTrigger" },
    { kind: "rest", pluginId: "listUsers", parent: "startTrigger", resource: refs.api!, method: "GET", path: "users" },
    {
      kind: "sql",
      pluginId: "reconcileUsers",
      parent: "listUsers",
      resource: refs.database,
      statement: `SELECT outcome, count(*) AS users FROM ${BATCH_FUNCTION}(${t("JSON.stringify(listUsers.data.data)")}::jsonb, 'reconcile') GROUP BY outcome`,
    },
  ];
}

const DESCRIPTIONS: Record<WorkflowTrigger, string> = {
  "continue-page": "Called by the Continue page after login: creates or links the user's row (source continue_page).",
  "user-created": "Attach to Settings > Retool Events > User Created: looks the new user up by email and syncs the row (source event).",
  "login-attempted": "Attach to Settings > Retool Events > Login Attempted: syncs the row from the login's user (source event).",
  "reconcile-schedule": "Runs on a schedule: reads every Retool user and repairs drift (source reconcile).",
};

export interface WorkflowBuildContext {
  settings: StackSettings;
  layout: RetoolLayout;
  refs: RetoolResourceRefs;
  stack: string;
}

export function workflowSpec(trigger: WorkflowTrigger, ctx: WorkflowBuildContext): WorkflowSpec {
  const { settings, layout, refs } = ctx;
  const blocks =
    trigger === "continue-page"
      ? continuePageBlocks(layout, refs)
      : trigger === "user-created"
        ? userCreatedBlocks(refs)
        : trigger === "login-attempted"
          ? loginAttemptedBlocks(refs)
          : reconcileScheduleBlocks(refs);
  if (!blocks) throw new Error(`no blocks for the ${trigger} workflow`);
  return {
    name: `retool-user-sync ${trigger} (${ctx.stack})`,
    description: DESCRIPTIONS[trigger],
    timezone: settings.retool.timezone,
    crontab: trigger === "reconcile-schedule" ? settings.retool.reconcileSchedule : undefined,
    templateVersion: settings.retool.templateVersion,
    blocks,
  };
}

export function syncWorkflowFiles(ctx: WorkflowBuildContext): { trigger: WorkflowTrigger; path: string; file: WorkflowFile }[] {
  return ctx.layout.workflows.map((trigger) => ({ trigger, path: WORKFLOW_FILES[trigger], file: buildWorkflowFile(workflowSpec(trigger, ctx)) }));
}
