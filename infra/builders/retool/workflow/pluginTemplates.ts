// Default query templates for workflow blocks, key for key and in the order Retool saves them.
// Source: Retool source-control files of saved workflows (JavascriptQuery, SqlQueryUnified and
// RESTQuery blocks, 2025), summarised in shared/reference/retool-workflow-format.md §3.4. The
// key sets drift between Retool releases; keys Retool does not know are what an import would
// most likely ignore, so we keep the full set of the release named in retool.templateVersion.
import { immutableMap, list } from "./transit";

/** Keys every query template has, with the values Retool saves for a fresh block. */
const COMMON = {
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

/** What a SqlQueryUnified block adds (editorMode "sql": the statement is in `query`). */
const SQL = {
  records: "",
  databasePasswordOverride: "",
  warningCodes: [],
  recordId: "",
  dataArray: [],
  filterBy: "",
  databaseHostOverride: "",
  editorMode: "sql",
  actionType: "",
  shouldUseLegacySql: false,
  databaseNameOverride: "",
  databaseWarehouseOverride: "",
  enableBulkUpdates: false,
  bulkUpdatePrimaryKey: "",
  tableName: "",
  databaseUsernameOverride: "",
  databaseRoleOverride: "",
  shouldEnableBatchQuerying: false,
  doNotThrowOnNoOp: false,
};

/** What a RESTQuery block adds: `query` is the path after the resource's base URL. */
const REST = {
  paginationLimit: "",
  body: "",
  paginationPaginationField: "",
  headers: "",
  paginationEnabled: false,
  cookies: "",
  paginationDataField: "",
  version: 2,
  type: "GET",
  bodyType: "none",
};

export type TemplateKind = "javascript" | "sql" | "rest";

const DEFAULTS: Record<TemplateKind, Record<string, unknown>> = {
  javascript: COMMON,
  sql: { ...COMMON, ...SQL },
  rest: { ...COMMON, ...REST },
};

export function templateKeys(kind: TemplateKind): string[] {
  return Object.keys(DEFAULTS[kind]);
}

/** Arrays inside a template are Immutable Lists, objects Immutable Maps (§3.1). */
function immutable(value: unknown): unknown {
  if (Array.isArray(value)) return list(value.map(immutable));
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
