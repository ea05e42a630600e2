// The sync workflows per plan. Each ends in an entry point of the database (syncApi.ts) on the
// resource whose login role fits what the workflow carries: a browser's claim goes to the page
// resource, Retool's own word to the trusted one. Every value is a {{ }} parameter; no workflow
// says where its data came from, the role it connects as does.
import type { StackSettings } from "../../config/schema";
import { emailRulesJs } from "../../domain/emailRules";
import type { ResourceKind, RetoolLayout } from "../../domain/retoolLayout";
import { RETOOL_USER_ID_PATTERN } from "../../domain/retoolUserId";
import type { WorkflowTrigger } from "../../domain/syncPaths";
import { ENTRY_POINTS, type EntryPointName } from "../sql/syncApi";
import { type BlockSpec, buildWorkflowFile, type ResourceRef, type WorkflowFile, type WorkflowSpec } from "./workflow/workflowFile";

export type RetoolResourceRefs = Partial<Record<ResourceKind, ResourceRef>>;

/** The resource of this kind; the layout decides which kinds a stack has, so a missing one is a bug here. */
export function refTo(refs: RetoolResourceRefs, kind: ResourceKind): ResourceRef {
  const ref = refs[kind];
  if (!ref) throw new Error(`Internal error: a Retool file needs the ${kind} resource, which this stack's layout does not have (retoolLayout.ts).`);
  return ref;
}

/** The file each workflow is written to, named after what triggers it. */
export const WORKFLOW_FILES: Record<WorkflowTrigger, string> = {
  "continue-page": "workflow-continue-page.json",
  "user-created": "workflow-retool-event-user-created.json",
  "login-attempted": "workflow-retool-event-login-attempted.json",
  "reconcile-schedule": "workflow-schedule-reconcile.json",
};

/** What the Continue page sends: the signed-in user's own fields. */
export const CONTINUE_PAGE_PAYLOAD = {
  retoolUserId: "current_user.sid",
  email: "current_user.email",
  firstName: "current_user.firstName",
  lastName: "current_user.lastName",
} as const;

const t = (expr: string) => `{{ ${expr} }}`;

/** The statement a SQL block runs: an entry point with every argument a {{ }} parameter. */
export function entryPointCall(entry: EntryPointName, args: string[]): string {
  return `SELECT * FROM ${ENTRY_POINTS[entry].name}(${args.map(t).join(", ")})`;
}

const userArgs = (from: string, active?: string) => [
  `${from}.retoolUserId`,
  `${from}.email`,
  `${from}.firstName`,
  `${from}.lastName`,
  ...(active ? [active] : []),
];

// Retool returns SQL results column-wise; the row is the first of formatDataAsArray.
const returnRow = (pluginId: string) => `{ user: formatDataAsArray(${pluginId}.data)[0] }`;

/** An id goes into an API path only when it looks like a Retool User ID. */
export const idGuard = (expr: string) => `/${RETOOL_USER_ID_PATTERN}/.test(String(${expr})) ? ${expr} : 'invalid-retool-user-id'`;

/** enterprise (Users API), User Created: it carries only the email; exactly one Retool user must have it. */
export function pickUserCode(settings: StackSettings): string {
  return `${emailRulesJs(settings.emailCharacters)}
const sent = (startTrigger.data || {}).userEmail;
if (typeof sent !== 'string' || !isValidEmail(sent)) throw new Error('User Created sent no valid email: ' + JSON.stringify(sent));
const wanted = canonicalEmail(sent);
const found = (lookupUser.data && lookupUser.data.data) || [];
const users = (Array.isArray(found) ? found : []).filter((u) => u && typeof u.email === 'string' && canonicalEmail(u.email) === wanted);
if (users.length !== 1) throw new Error('Expected one Retool user with email ' + wanted + ', found ' + users.length);
const user = users[0];
if (!new RegExp(${JSON.stringify(RETOOL_USER_ID_PATTERN)}).test(String(user.id))) throw new Error('Retool user ' + JSON.stringify(user.id) + ' has no Retool User ID');
return { retoolUserId: user.id, email: user.email, firstName: user.first_name, lastName: user.last_name, active: typeof user.active === 'boolean' ? user.active : null };`;
}

/** free and team: the page's workflow passes the browser's values to the page role's entry point. */
function continuePageBlocks(ctx: WorkflowBuildContext): BlockSpec[] {
  return [
    {
      kind: "webhook",
      pluginId: "startTrigger",
      exampleInput: { retoolUserId: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Jo", lastName: "Doe" },
    },
    {
      kind: "sql",
      pluginId: "syncUser",
      parent: "startTrigger",
      resource: refTo(ctx.refs, "page"),
      statement: entryPointCall("page", userArgs("startTrigger.data")),
    },
    { kind: "response", pluginId: "response1", parent: "syncUser", status: 200, body: returnRow("syncUser") },
  ];
}

/**
 * After the trigger: look the user up in Retool's API, let a code block check the answer and
 * return the one user, sync that record on the trusted resource, and answer with the row.
 */
function syncRetoolsRecord(ctx: WorkflowBuildContext, lookupPath: string, check: { pluginId: string; code: string }): BlockSpec[] {
  const { refs } = ctx;
  return [
    { kind: "rest", pluginId: "lookupUser", parent: "startTrigger", resource: refTo(refs, "api"), method: "GET", path: lookupPath },
    { kind: "code", pluginId: check.pluginId, parent: "lookupUser", code: check.code },
    {
      kind: "sql",
      pluginId: "syncUser",
      parent: check.pluginId,
      resource: refTo(refs, "trusted"),
      statement: entryPointCall("retoolUser", userArgs(`${check.pluginId}.data`, `${check.pluginId}.data.active`)),
    },
    ...afterSync(ctx),
  ];
}

/** The synced row, as a SQL block's result reads in later blocks. */
const syncedRow = "formatDataAsArray(syncUser.data)[0]";

/**
 * After the sync: on event workflows with retool.rowKeyAttribute, set that user attribute to the
 * row's key (POST /users/{userId}/user_attributes), then answer with the row. The sync block has
 * committed by then, so a failed write-back fails the run, visibly, and never the sync.
 */
function afterSync(ctx: WorkflowBuildContext): BlockSpec[] {
  const { layout, refs, settings } = ctx;
  const attribute = settings.retool.rowKeyAttribute;
  const writeBack: BlockSpec[] =
    layout.writeBack && attribute
      ? [
          {
            kind: "rest",
            pluginId: "writeBackRowKey",
            parent: "syncUser",
            resource: refTo(refs, "api"),
            method: "POST",
            path: `users/${t(idGuard(`${syncedRow}.retool_user_id`))}/user_attributes`,
            jsonBody: [
              { key: "name", value: attribute },
              { key: "value", value: t(`String(${syncedRow}.row_key)`) },
            ],
          },
        ]
      : [];
  const last = writeBack.length ? "writeBackRowKey" : "syncUser";
  return [...writeBack, { kind: "response", pluginId: "response1", parent: last, status: 200, body: returnRow("syncUser") }];
}

function userCreatedBlocks(ctx: WorkflowBuildContext): BlockSpec[] {
  const byEmail = `users?email=${t("encodeURIComponent(startTrigger.data.userEmail)")}`;
  return [
    { kind: "webhook", pluginId: "startTrigger", exampleInput: { userEmail: "jo@example.com" } },
    ...syncRetoolsRecord(ctx, byEmail, { pluginId: "pickUser", code: pickUserCode(ctx.settings) }),
  ];
}

function loginAttemptedBlocks(ctx: WorkflowBuildContext): BlockSpec[] {
  // Login Attempted's payload is the whole user: id (the sid), email, firstName, lastName, active...
  const d = "startTrigger.data";
  const args = [`${d}.id`, `${d}.email`, `${d}.firstName`, `${d}.lastName`, `typeof ${d}.active === 'boolean' ? ${d}.active : null`];
  return [
    {
      kind: "webhook",
      pluginId: "startTrigger",
      exampleInput: { id: "user_0123456789abcdef0123456789abcdef", email: "jo@example.com", firstName: "Jo", lastName: "Doe", active: true },
    },
    { kind: "sql", pluginId: "syncUser", parent: "startTrigger", resource: refTo(ctx.refs, "trusted"), statement: entryPointCall("retoolUser", args) },
    ...afterSync(ctx),
  ];
}

function reconcileScheduleBlocks(ctx: WorkflowBuildContext): BlockSpec[] {
  // Without limit, GET /users returns every user (spec 2.12); the whole list goes to
  // reconcile_users as one JSON parameter (json, so one unstorable record fails alone), through
  // the same rules as `npm run reconcile -- --apply`.
  // It starts from a webhook start block, as every scheduled workflow in Retool's own files does;
  // the schedule itself is added after import (see its description).
  return [
    { kind: "webhook", pluginId: "startTrigger", exampleInput: {} },
    { kind: "rest", pluginId: "listUsers", parent: "startTrigger", resource: refTo(ctx.refs, "api"), method: "GET", path: "users" },
    {
      kind: "sql",
      pluginId: "reconcileUsers",
      parent: "listUsers",
      resource: refTo(ctx.refs, "trusted"),
      statement: `SELECT outcome, count(*) AS users FROM ${ENTRY_POINTS.reconcile.name}(${t("JSON.stringify(listUsers.data.data)")}::json) GROUP BY outcome`,
    },
  ];
}

/**
 * Where a schedule goes in Retool (docs.retool.com, workflows/guides/schedule: "click the
 * startTrigger block or open the Triggers tab in the left panel"); imports carry none.
 */
export function scheduleSteps(settings: StackSettings): string {
  return `After importing: open the Triggers tab in the left panel (or click the startTrigger block), add a Schedule trigger in Cron mode with "${settings.retool.reconcileSchedule}" and timezone ${settings.retool.timezone}, then deploy. The imported file carries no schedule.`;
}

const DESCRIPTIONS: Record<WorkflowTrigger, (settings: StackSettings) => string> = {
  "continue-page": () => "Called by the Continue page after login: creates or links the signed-in user's row.",
  "user-created": (settings) =>
    `Attach to Settings > Retool Events > User Created: looks the new user up by email and syncs the row${settings.retool.rowKeyAttribute ? `, then sets the user attribute ${settings.retool.rowKeyAttribute} to the row's key` : ""}.`,
  "login-attempted": (settings) =>
    `Attach to Settings > Retool Events > Login Attempted: syncs the row from the login's user${settings.retool.rowKeyAttribute ? `, then sets the user attribute ${settings.retool.rowKeyAttribute} to the row's key` : ""}.`,
  "reconcile-schedule": (settings) => `Reads every Retool user and repairs drift, on a schedule. ${scheduleSteps(settings)}`,
};

const BLOCKS: Record<WorkflowTrigger, (ctx: WorkflowBuildContext) => BlockSpec[]> = {
  "continue-page": continuePageBlocks,
  "user-created": userCreatedBlocks,
  "login-attempted": loginAttemptedBlocks,
  "reconcile-schedule": reconcileScheduleBlocks,
};

export interface WorkflowBuildContext {
  settings: StackSettings;
  layout: RetoolLayout;
  refs: RetoolResourceRefs;
  stack: string;
}

export function workflowSpec(trigger: WorkflowTrigger, ctx: WorkflowBuildContext): WorkflowSpec {
  const { settings } = ctx;
  return {
    name: `retool-user-sync ${trigger} (${ctx.stack})`,
    description: DESCRIPTIONS[trigger](settings),
    timezone: settings.retool.timezone,
    templateVersion: settings.retool.templateVersion,
    blocks: BLOCKS[trigger](ctx),
  };
}

export function syncWorkflowFiles(ctx: WorkflowBuildContext): { trigger: WorkflowTrigger; path: string; file: WorkflowFile }[] {
  return ctx.layout.workflows.map((trigger) => ({ trigger, path: WORKFLOW_FILES[trigger], file: buildWorkflowFile(workflowSpec(trigger, ctx)) }));
}
