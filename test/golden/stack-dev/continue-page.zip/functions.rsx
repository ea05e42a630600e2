<GlobalFunctions>
  <WorkflowRun id="syncUser" resourceName="WorkflowRun" workflowId="SELECT_THE_CONTINUE_PAGE_WORKFLOW" workflowParams={include("./lib/syncUserParams.json", "string")} workflowRunBodyType="raw" workflowRunExecutionType="sync">
    <Event id="c0a1b2c4" event="success" method="trigger" params={{}} pluginId="openHomeApp" type="datasource" waitMs="0" waitType="debounce" />
  </WorkflowRun>
  <JavascriptQuery id="openHomeApp" query={include("./lib/openHomeApp.js", "string")} resourceName="JavascriptQuery" runWhenModelUpdates={false} />
</GlobalFunctions>
