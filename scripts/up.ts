// npm run up -- [--stack <name>] [pulumi up flags...]
// dev: starts the embedded Postgres, uses a local state folder, then runs `pulumi up`.
// Other stacks: validates the stack's config, then runs `pulumi up` with your backend.
import { stackCommandMain } from "../ops/pulumi/stackCommand";

stackCommandMain("up");
