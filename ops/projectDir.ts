// The folder with Pulumi.yaml and the stack files. RUS_PROJECT_DIR points elsewhere (tests,
// monorepos). A module of its own so that everything in ops/ can read it without a circle.
import * as path from "node:path";

export const PROJECT_DIR = process.env.RUS_PROJECT_DIR ? path.resolve(process.env.RUS_PROJECT_DIR) : path.resolve(__dirname, "..");
