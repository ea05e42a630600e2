// One Retool workflow as the JSON file Retool exports and imports: canvas blocks (blockData) plus
// their queries as Transit-encoded templateData. Layout from shared/reference/retool-workflow-format.md
// §1-§5. Output is deterministic (ids hashed from names, a fixed timestamp) so that a rendered file
// only changes when its config does.
import { createHash } from "node:crypto";
import { TemplateKind, queryTemplate } from "./pluginTemplates";
import { encodeTransit, immutableMap, list, record } from "./transit";

/** How a block names its resource: Retool wants the UUID; the name is for people (§4). */
export interface ResourceRef {
  /** The resource's UUID, when known (created by the program, or given in config). */
  id?: string;
  displayName: string;
}

export type BlockSpec =
  | { kind: "webhook"; pluginId: string; exampleInput: Record<string, unknown> }
  | { kind: "schedule"; pluginId: string }
  | { kind: "sql"; pluginId: string; parent: string; resource: ResourceRef; statement: string }
  | { kind: "rest"; pluginId: string; parent: string; resource: ResourceRef; method: "GET"; path: string }
  | { kind: "code"; pluginId: string; parent: string; code: string }
  | { kind: "response"; pluginId: string; parent: string; status: number; body: string };

export interface WorkflowSpec {
  name: string;
  description: string;
  timezone: string;
  /** For scheduled workflows; webhook-started ones have none. */
  crontab?: string;
  templateVersion: string;
  /** In run order: each block's parent comes before it. */
  blocks: BlockSpec[];
}

// A fixed timestamp: the file records when a block was made, and a changing one would make every
// render a diff. Retool sets its own times on import.
const CREATED_AT = new Date(Date.UTC(2026, 0, 1));
const ORIGIN = 48;
const STEP = 512;

/** A UUID v4-shaped id from a hash, so the same block gets the same id on every render. */
export function stableUuid(...parts: string[]): string {
  const h = createHash("sha256").update(parts.join("\u0000")).digest("hex").split("");
  h[12] = "4";
  h[16] = "89ab"[parseInt(h[16], 16) % 4];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

const resourceNameOf = (r: ResourceRef) => r.id ?? r.displayName;

function startTriggerQuery(example: Record<string, unknown>): string {
  // The start block's query is what the editor's test run returns; Retool generates this wrapper.
  return `
const evalStartTriggerBlock = () => {
  const getExampleInputJSON = () => {
    try {
      return ${JSON.stringify(example)}
    } catch {
      return { error: true, message: 'Error parsing example input JSON' }
    }
  }
  return { _retool_exampleInputJSON: getExampleInputJSON(), _retool_exampleHeaders: {}, _retool_examplePathParams: {} }
}
return evalStartTriggerBlock()
`;
}

function responseQuery(pluginId: string, status: number, body: string): string {
  // Written both as options (status, body) and as this generated wrapper, because it is not known
  // which one the runtime reads (§6.3); they say the same thing.
  return `const generateReturn = () => {
  const status = () => {
    try {
      return ${status}
    } catch {
      return ${status}
    }
  }
  const body = () => {
    try {
      return ${body}
    } catch {
      return {'error': true, 'message': 'There was a problem parsing the JSON body of ${pluginId}'}
    }
  }
  return {status: status(), body: body() }
}
return generateReturn()
`;
}

interface BlockShape {
  blockType: string;
  editorType: string;
  resourceName: string;
  resourceDisplayName: string | null;
  templateKind: TemplateKind;
  template: Record<string, unknown>;
  options?: Record<string, unknown>;
}

function shapeOf(block: BlockSpec, spec: WorkflowSpec): BlockShape {
  const js = { editorType: "JavascriptQuery", resourceDisplayName: null, templateKind: "javascript" as const };
  switch (block.kind) {
    case "webhook":
      return { ...js, blockType: "webhook", resourceName: "webhook", template: { query: startTriggerQuery(block.exampleInput) }, options: {} };
    case "schedule":
      return {
        ...js,
        blockType: "schedule",
        resourceName: "schedule",
        template: { query: "return null" },
        options: { crontab: spec.crontab, timezone: spec.timezone, scheduleType: "interval" },
      };
    case "code":
      return { ...js, blockType: "code", resourceName: "JavascriptQuery", template: { query: block.code } };
    case "response":
      return {
        ...js,
        blockType: "webhookReturn",
        resourceName: "JavascriptQuery",
        template: { query: responseQuery(block.pluginId, block.status, block.body) },
        options: { status: String(block.status), body: block.body },
      };
    case "sql":
      return {
        blockType: "default",
        editorType: "SqlQueryUnified",
        resourceName: resourceNameOf(block.resource),
        resourceDisplayName: block.resource.displayName,
        templateKind: "sql",
        template: { query: block.statement },
      };
    case "rest":
      return {
        blockType: "default",
        editorType: "RESTQuery",
        resourceName: resourceNameOf(block.resource),
        resourceDisplayName: block.resource.displayName,
        templateKind: "rest",
        template: { query: block.path, type: block.method },
      };
  }
}

function pluginTemplate(block: BlockSpec, shape: BlockShape) {
  // Field order as Retool writes the pluginTemplate record (§3.3).
  return record("pluginTemplate", {
    id: block.pluginId,
    uuid: null,
    _comment: null,
    type: "datasource",
    subtype: shape.editorType,
    namespace: null,
    resourceName: shape.resourceName,
    resourceDisplayName: shape.resourceDisplayName,
    template: queryTemplate(shape.templateKind, shape.template),
    style: null,
    position2: null,
    mobilePosition2: null,
    mobileAppPosition: null,
    tabIndex: null,
    container: "",
    createdAt: CREATED_AT,
    updatedAt: CREATED_AT,
    folder: "",
    presetName: null,
    screen: null,
    boxId: null,
    subBoxIds: null,
  });
}

function appTemplate(plugins: Record<string, unknown>, version: string) {
  // The appTemplate record's fields and defaults as Retool 3.360 writes them (§3.2).
  return record("appTemplate", {
    appMaxWidth: "100%",
    appStyles: "",
    appTesting: null,
    appThemeId: null,
    appThemeModeId: null,
    appThemeName: null,
    createdAt: null,
    customComponentCollections: [],
    customDocumentTitle: "",
    customDocumentTitleEnabled: false,
    customShortcuts: [],
    experimentalFeatures: { disableMultiplayerEditing: false, multiplayerEditingEnabled: false, sourceControlTemplateDehydration: false },
    folders: list([]),
    formAppSettings: { customRedirectUrl: "" },
    inAppRetoolPillAppearance: "NO_OVERRIDE",
    instrumentationEnabled: false,
    internationalizationSettings: {},
    isFetching: false,
    isFormApp: false,
    isGlobalWidget: false,
    isMobileApp: false,
    loadingIndicatorsDisabled: false,
    markdownLinkBehavior: "auto",
    mobileAppSettings: {},
    mobileOfflineAssets: [],
    multiScreenMobileApp: false,
    notificationsSettings: { globalQueryShowFailureToast: true, globalQueryShowSuccessToast: false, globalQueryToastDuration: 4.5, globalToastPosition: "bottomRight" },
    pageCodeFolders: {},
    pageLoadValueOverrides: list([]),
    persistUrlParams: false,
    plugins: immutableMap(plugins, true),
    preloadedAppJavaScript: null,
    preloadedAppJSLinks: [],
    queryStatusVisibility: false,
    responsiveLayoutDisabled: false,
    rootScreen: null,
    savePlatform: "web",
    shortlink: null,
    testEntities: [],
    tests: [],
    urlFragmentDefinitions: list([]),
    version,
    serializedLayout: null,
    agentEvals: {},
  });
}

export type WorkflowFile = Record<string, unknown>;

export function buildWorkflowFile(spec: WorkflowSpec): WorkflowFile {
  const uuids = new Map<string, string>();
  const column = new Map<string, number>();
  const blockData: Record<string, unknown>[] = [];
  const plugins: Record<string, unknown> = {};
  for (const block of spec.blocks) {
    if (uuids.has(block.pluginId)) throw new Error(`workflow ${spec.name}: two blocks are named ${block.pluginId}`);
    const parent = "parent" in block ? block.parent : undefined;
    if (parent !== undefined && !uuids.has(parent)) throw new Error(`workflow ${spec.name}: ${block.pluginId} runs after ${parent}, which is not an earlier block`);
    const shape = shapeOf(block, spec);
    const uuid = stableUuid(spec.name, block.pluginId);
    uuids.set(block.pluginId, uuid);
    column.set(block.pluginId, parent === undefined ? 0 : column.get(parent)! + 1);
    blockData.push({
      uuid,
      pluginId: block.pluginId,
      blockType: shape.blockType,
      editorType: shape.editorType,
      resourceName: shape.resourceName,
      environment: "production",
      top: ORIGIN,
      left: ORIGIN + STEP * column.get(block.pluginId)!,
      ...(shape.options ? { options: shape.options, isMinimized: false } : {}),
      incomingOnSuccessEdges: parent === undefined ? [] : [uuids.get(parent)],
    });
    plugins[block.pluginId] = pluginTemplate(block, shape);
  }
  const start = spec.blocks[0];
  return {
    name: spec.name,
    description: spec.description,
    readme: null,
    iconName: null,
    iconColor: null,
    // Set by Retool on import from the importing user's session.
    organizationId: null,
    createdBy: null,
    // Imported disabled: an admin deploys it once the resources are bound.
    isEnabled: false,
    crontab: spec.crontab ?? null,
    timezone: spec.timezone,
    blockData,
    templateData: encodeTransit(appTemplate(plugins, spec.templateVersion)),
    triggerWebhooks:
      start?.kind === "webhook"
        ? [
            {
              name: start.pluginId,
              uuid: start.pluginId,
              headers: "{}",
              inputSchema: { properties: [] },
              useHeaderApiKey: false,
              exampleInputJSON: JSON.stringify(start.exampleInput),
              examplePathParams: "",
            },
          ]
        : [],
    customLibraries: [],
    setupScripts: { javascript: { codeString: "" }, python: { codeString: "" } },
    protected: false,
    private: false,
    hasProtectedTriggers: false,
    protectedTriggers: [],
    subflows: [],
    type: "workflow",
  };
}
