// One Retool workflow as the JSON file Retool exports and imports: canvas blocks (blockData) plus
// their queries as Transit-encoded templateData. The layout follows workflow exports saved by
// Retool 3.360.0 (21 top-level keys, one startTrigger webhook, blockData edges by uuid; public
// repository i-iangurazov/irbishvac-noretool) and the source-control YAML of saved workflows
// (lindakwoo/retool); pluginTemplates.ts says which file each template's keys come from. Output is
// deterministic (ids hashed from names, a fixed timestamp) so that a rendered file only changes
// when its config does.
import { v5 as uuidv5 } from "uuid";
import { queryTemplate, type TemplateKind } from "./pluginTemplates";
import { encodeTransit, immutableList, immutableMap, record } from "./transit";

/** How a block names its resource: Retool wants the UUID; the name is for people. */
export interface ResourceRef {
  /** The resource's UUID, when known (created by the program, or given in config). */
  id?: string;
  displayName: string;
}

export type BlockSpec =
  | { kind: "webhook"; pluginId: string; exampleInput: Record<string, unknown> }
  | { kind: "sql"; pluginId: string; parent: string; resource: ResourceRef; statement: string }
  | {
      kind: "rest";
      pluginId: string;
      parent: string;
      resource: ResourceRef;
      method: "GET" | "POST";
      path: string;
      /** A JSON body as the REST editor's key-value rows (bodyType json); values may hold {{ }}. */
      jsonBody?: { key: string; value: string }[];
    }
  | { kind: "code"; pluginId: string; parent: string; code: string }
  | { kind: "response"; pluginId: string; parent: string; status: number; body: string };

export interface WorkflowSpec {
  name: string;
  description: string;
  timezone: string;
  templateVersion: string;
  /** In run order: each block's parent comes before it. */
  blocks: BlockSpec[];
}

// A fixed timestamp: the file records when a block was made, and a changing one would make every
// render a diff. Retool sets its own times on import.
const CREATED_AT = new Date(Date.UTC(2026, 0, 1));
const ORIGIN = 48;
const STEP = 512;

// The namespace of every name-based id this tool makes (itself the v5 id of the project's name
// in the URL namespace), so a block's id depends on nothing but its names.
const ID_NAMESPACE = uuidv5("https://www.npmjs.com/package/retool-user-sync", uuidv5.URL);

/** A name-based UUID (RFC 9562 version 5), so the same block gets the same id on every render. */
export function stableUuid(...parts: string[]): string {
  return uuidv5(parts.join("\u0000"), ID_NAMESPACE);
}

const resourceNameOf = (r: ResourceRef) => r.id ?? r.displayName;

function responseQuery(pluginId: string, status: number, body: string): string {
  // Written both as options (status, body) and as this generated wrapper, as Retool's own saved
  // response blocks carry both; they say the same thing.
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
  /** What blockData names as the resource. */
  blockResourceName: string;
  /** What the pluginTemplate names: the same but for the start block. */
  resourceName: string;
  resourceDisplayName: string | null;
  templateKind: TemplateKind;
  template: Record<string, unknown>;
  options?: Record<string, unknown>;
}

function shapeOf(block: BlockSpec): BlockShape {
  const js = { editorType: "JavascriptQuery", resourceName: "JavascriptQuery", blockResourceName: "JavascriptQuery", resourceDisplayName: null };
  switch (block.kind) {
    case "webhook":
      // Every real export's start plugin says JavascriptQuery; its blockData entry says webhook
      // (current releases write either there, and import both).
      return { ...js, blockType: "webhook", blockResourceName: "webhook", templateKind: "start", template: { query: "return null" }, options: {} };
    case "code":
      return { ...js, blockType: "code", templateKind: "code", template: { query: block.code } };
    case "response":
      return {
        ...js,
        blockType: "webhookReturn",
        templateKind: "response",
        template: { query: responseQuery(block.pluginId, block.status, block.body) },
        options: { status: String(block.status), body: block.body },
      };
    case "sql":
      return {
        blockType: "default",
        editorType: "SqlQueryUnified",
        resourceName: resourceNameOf(block.resource),
        blockResourceName: resourceNameOf(block.resource),
        resourceDisplayName: block.resource.displayName,
        templateKind: "sql",
        template: { query: block.statement },
      };
    case "rest":
      return {
        blockType: "default",
        editorType: "RESTQuery",
        resourceName: resourceNameOf(block.resource),
        blockResourceName: resourceNameOf(block.resource),
        resourceDisplayName: block.resource.displayName,
        templateKind: "rest",
        template: {
          query: block.path,
          type: block.method,
          ...(block.jsonBody ? { bodyType: "json", body: JSON.stringify(block.jsonBody) } : {}),
        },
      };
  }
}

function pluginTemplate(block: BlockSpec, shape: BlockShape) {
  // Field order as Retool 3.360.0 writes the pluginTemplate record.
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
  // The appTemplate record's fields and defaults as Retool 3.360.0 writes them.
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
    folders: immutableList([]),
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
    notificationsSettings: {
      globalQueryShowFailureToast: true,
      globalQueryShowSuccessToast: false,
      globalQueryToastDuration: 4.5,
      globalToastPosition: "bottomRight",
    },
    pageCodeFolders: {},
    pageLoadValueOverrides: immutableList([]),
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
    urlFragmentDefinitions: immutableList([]),
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
    if (parent !== undefined && !uuids.has(parent))
      throw new Error(`workflow ${spec.name}: ${block.pluginId} runs after ${parent}, which is not an earlier block`);
    const shape = shapeOf(block);
    const uuid = stableUuid(spec.name, block.pluginId);
    uuids.set(block.pluginId, uuid);
    const depth = parent === undefined ? 0 : (column.get(parent) ?? 0) + 1;
    column.set(block.pluginId, depth);
    // Keys in the order Retool 3.360.0's exports write them.
    blockData.push({
      top: ORIGIN,
      left: ORIGIN + STEP * depth,
      uuid,
      ...(shape.options ? { options: shape.options } : {}),
      pluginId: block.pluginId,
      blockType: shape.blockType,
      editorType: shape.editorType,
      environment: "production",
      ...(shape.options ? { isMinimized: false } : {}),
      resourceName: shape.blockResourceName,
      incomingOnSuccessEdges: parent === undefined ? [] : [uuids.get(parent)],
    });
    plugins[block.pluginId] = pluginTemplate(block, shape);
  }
  const start = spec.blocks[0];
  if (start?.kind !== "webhook") throw new Error(`workflow ${spec.name}: the first block must be its startTrigger webhook`);
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
    // Schedules are trigger records of their own, which no public export shows how to carry: a
    // scheduled workflow says in its description where to add its schedule after import.
    crontab: null,
    timezone: spec.timezone,
    blockData,
    templateData: encodeTransit(appTemplate(plugins, spec.templateVersion)),
    // Exactly one, as in every real export, scheduled workflows included.
    triggerWebhooks: [
      {
        name: start.pluginId,
        uuid: start.pluginId,
        headers: "{}",
        inputSchema: { properties: [] },
        useHeaderApiKey: false,
        exampleInputJSON: JSON.stringify(start.exampleInput),
        examplePathParams: "",
      },
    ],
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
