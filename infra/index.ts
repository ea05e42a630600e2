// Entry point named in Pulumi.yaml. Everything happens in program.ts so tests can run it too.
import { retoolUserSync } from "./program";

export = retoolUserSync();
