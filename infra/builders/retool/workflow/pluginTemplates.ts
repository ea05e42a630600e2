// Default query templates for workflow blocks, key for key and in the order Retool saves them.
//
// Where each key set comes from (the one place to update when a Retool release changes them):
//   start (webhook), SQL, REST: workflow exports saved by Retool 3.360.0, public repository
//     i-iangurazov/irbishvac-noretool, "ST Metrics Refresh (3).json" and "Final flow for tech and
//     installers (2).json": 68, 87 and 79 keys (REST with openAPIParams and openAPIRequestBody, and
//     no _additionalScope).
//   code, response: the start keys plus editorMode (69), as the 3.360.0 exports' other JavaScript
//     blocks carry it, after `metadata`; code blocks' queryTimeout "120000" and the response
//     block's "10000" as in Retool's source-control YAML (public repository lindakwoo/retool,
//     workflows/*/code1.yml and response1.yml, templates 3.295 to 3.344).
// Keys Retool does not know are what an import would most likely ignore, so we keep the full set
// of the release named in retool.templateVersion.
import { immutableList, immutableMap } from "./transit";

/** The start (webhook) block's template: the keys every JavaScript template has, in 3.360.0's order. */
const START = {
  queryRefreshTime: "",
  allowedGroupIds: [],
  streamResponse: false,
  lastReceivedFromResourceAt: null,
  isFunction: false,
  functionParameters: null,
  queryDisabledMessage: "",
  servedFromCache: false,
  offlineUserQueryInputs: "",
  functionDescription: null,
  successMessage: "",
  queryDisabled: "",
  playgroundQuerySaveId: "latest",
  workflowParams: null,
  resourceNameOverride: "",
  runWhenModelUpdates: false,
  workflowRunExecutionType: "sync",
  showFailureToaster: true,
  query: "",
  playgroundQueryUuid: "",
  playgroundQueryId: null,
  error: null,
  workflowRunBodyType: "raw",
  privateParams: [],
  queryRunOnSelectorUpdate: false,
  runWhenPageLoadsDelay: "",
  data: null,
  importedQueryInputs: {},
  _additionalScope: [],
  isImported: false,
  showSuccessToaster: true,
  cacheKeyTtl: "",
  requestSentTimestamp: null,
  metadata: null,
  queryRunTime: null,
  changesetObject: "",
  offlineOptimisticResponse: null,
  errorTransformer: "return data.error",
  finished: null,
  confirmationMessage: null,
  isFetching: false,
  changeset: "",
  rawData: null,
  queryTriggerDelay: "0",
  resourceTypeOverride: null,
  watchedParams: [],
  enableErrorTransformer: false,
  showLatestVersionUpdatedWarning: false,
  timestamp: 0,
  evalType: "script",
  importedQueryDefaults: {},
  enableTransformer: false,
  showUpdateSetValueDynamicallyToggle: true,
  overrideOrgCacheForUserCache: false,
  runWhenPageLoads: false,
  transformer: "return data",
  events: [],
  queryTimeout: "10000",
  workflowId: null,
  requireConfirmation: false,
  queryFailureConditions: "",
  changesetIsObject: false,
  enableCaching: false,
  allowedGroups: [],
  offlineQueryType: "None",
  queryThrottleTime: "750",
  updateSetValueDynamically: false,
  notificationDuration: "",
};

/** Inserts keys after the named keys and removes others, keeping every other key where it was. */
function reshaped(base: Record<string, unknown>, inserts: [after: string, key: string, value: unknown][], removed: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const place = (after: string) => {
    for (const [, k, v] of inserts.filter(([a]) => a === after)) {
      out[k] = v;
      place(k);
    }
  };
  for (const [k, v] of Object.entries(base)) {
    if (!removed.includes(k)) out[k] = v;
    place(k);
  }
  for (const [, k] of inserts) if (!(k in out)) throw new Error(`template key ${k} has no place`);
  return out;
}

/** Code and response blocks: the start keys plus editorMode. */
const JAVASCRIPT_BLOCK = reshaped(START, [["metadata", "editorMode", "sql"]]);

/** A SqlQueryUnified block (editorMode "sql": the statement is in `query`). */
const SQL = reshaped(START, [
  ["streamResponse", "records", ""],
  ["isFunction", "databasePasswordOverride", ""],
  ["runWhenPageLoadsDelay", "warningCodes", []],
  ["data", "recordId", ""],
  ["showSuccessToaster", "dataArray", []],
  ["cacheKeyTtl", "filterBy", ""],
  ["requestSentTimestamp", "databaseHostOverride", ""],
  ["metadata", "editorMode", "sql"],
  ["queryRunTime", "actionType", ""],
  ["changesetObject", "shouldUseLegacySql", false],
  ["finished", "databaseNameOverride", ""],
  ["enableErrorTransformer", "databaseWarehouseOverride", ""],
  ["databaseWarehouseOverride", "enableBulkUpdates", false],
  ["overrideOrgCacheForUserCache", "bulkUpdatePrimaryKey", ""],
  ["events", "tableName", ""],
  ["allowedGroups", "databaseUsernameOverride", ""],
  ["databaseUsernameOverride", "databaseRoleOverride", ""],
  ["databaseRoleOverride", "shouldEnableBatchQuerying", false],
  ["shouldEnableBatchQuerying", "doNotThrowOnNoOp", false],
]);

/** A RESTQuery block: `query` is the path after the resource's base URL. */
const REST = reshaped(
  START,
  [
    ["queryRefreshTime", "paginationLimit", ""],
    ["allowedGroupIds", "openAPIRequestBody", ""],
    ["streamResponse", "body", ""],
    ["runWhenModelUpdates", "paginationPaginationField", ""],
    ["workflowRunExecutionType", "headers", ""],
    ["showFailureToaster", "paginationEnabled", false],
    ["requestSentTimestamp", "cookies", ""],
    ["showLatestVersionUpdatedWarning", "paginationDataField", ""],
    ["timestamp", "openAPIParams", "{}"],
    ["showUpdateSetValueDynamicallyToggle", "version", 2],
    ["requireConfirmation", "type", "GET"],
    ["allowedGroups", "bodyType", "none"],
  ],
  ["_additionalScope"],
);

export type TemplateKind = "start" | "code" | "response" | "sql" | "rest";

const DEFAULTS: Record<TemplateKind, Record<string, unknown>> = {
  start: START,
  code: { ...JAVASCRIPT_BLOCK, queryTimeout: "120000" },
  response: JAVASCRIPT_BLOCK,
  sql: SQL,
  rest: REST,
};

export function templateKeys(kind: TemplateKind): string[] {
  return Object.keys(DEFAULTS[kind]);
}

/** Arrays inside a template are Immutable Lists, objects Immutable Maps. */
function immutable(value: unknown): unknown {
  if (Array.isArray(value)) return immutableList(value.map(immutable));
  if (value !== null && typeof value === "object") return immutableMap(Object.fromEntries(Object.entries(value).map(([k, v]) => [k, immutable(v)])));
  return value;
}

/** A template with only `overrides` changed; unknown keys are a bug here, not a new Retool key. */
export function queryTemplate(kind: TemplateKind, overrides: Record<string, unknown>) {
  const defaults = DEFAULTS[kind];
  for (const key of Object.keys(overrides)) {
    if (!(key in defaults)) throw new Error(`queryTemplate(${kind}): ${key} is not a key of Retool's ${kind} template`);
  }
  return immutable({ ...defaults, ...overrides });
}
