// The entry point Pulumi.yaml names for this repository's own program. Everything happens in
// program.ts, so tests can run it too.
import { retoolUserSync } from "./program";

export = retoolUserSync();
