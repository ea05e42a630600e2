<GlobalFunctions>
  <SqlQueryUnified id="syncUser" query={include("./lib/syncUser.sql", "string")} resourceDisplayName="retool-user-sync-page" resourceName="retool-user-sync-page" runWhenModelUpdates={false} warningCodes={[]}>
    <Event id="c0a1b2c4" event="success" method="trigger" params={{}} pluginId="openHomeApp" type="datasource" waitMs="0" waitType="debounce" />
  </SqlQueryUnified>
  <JavascriptQuery id="openHomeApp" query={include("./lib/openHomeApp.js", "string")} resourceName="JavascriptQuery" runWhenModelUpdates={false} />
</GlobalFunctions>
