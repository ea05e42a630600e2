// The package's entry: what `import { RetoolUserSync } from "retool-user-sync"` gives a team's
// own Pulumi program.
export { type DatabaseArgs, type RetoolArgs, RetoolUserSync, type RetoolUserSyncArgs } from "./components/retoolUserSync";
export { ConfigError } from "./config/stackSettings";
export { PLANS, type Plan } from "./domain/plans";
