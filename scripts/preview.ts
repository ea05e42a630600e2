// npm run preview -- [--stack <name>] [pulumi preview flags...]
// dev: starts the embedded Postgres, uses a local state folder, then runs `pulumi preview`.
// Other stacks: validates the stack's config, then runs `pulumi preview` with your backend.
import { stackCommandMain } from "../ops/pulumi/stackCommand";

stackCommandMain("preview");
