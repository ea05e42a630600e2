// The layers of DESIGN.md as rules: each may import only from its own layer and those below it,
// nothing may import in a circle (type-only imports included), and no test imports a script
// (scripts are command-line front ends; their logic lives in ops/). `npm run lint` runs it.
//   0 infra/domain      what Retool plans have, email and name rules, sync paths
//   1 infra/config      stack settings
//   2 infra/builders    pure builders
//   3 infra/providers   side effects
//   4 infra/components  the component
//   5 infra/*.ts        the program and the package's entry
//   6 ops/, fakeRetool/ the scripts' engines, and the local stand-in for Retool's API
//   7 scripts/          command lines
const above = {
  domain: "^(infra/(config|builders|providers|components)/|infra/[^/]+[.]ts$|ops/|fakeRetool/|scripts/|test/)",
  config: "^(infra/(builders|providers|components)/|infra/[^/]+[.]ts$|ops/|fakeRetool/|scripts/|test/)",
  builders: "^(infra/(providers|components)/|infra/[^/]+[.]ts$|ops/|fakeRetool/|scripts/|test/)",
  providers: "^(infra/components/|infra/[^/]+[.]ts$|ops/|fakeRetool/|scripts/|test/)",
  components: "^(infra/[^/]+[.]ts$|ops/|fakeRetool/|scripts/|test/)",
  ops: "^(scripts/|test/)",
};
const layer = (name, from) => ({
  name: `no-${name}-upward`,
  comment: `${name} imports only from its own layer and those below it (DESIGN.md: layers)`,
  severity: "error",
  from: { path: from },
  to: { path: above[name] },
});

module.exports = {
  forbidden: [
    { name: "no-circular", comment: "no import circles", severity: "error", from: {}, to: { circular: true } },
    layer("domain", "^infra/domain/"),
    layer("config", "^infra/config/"),
    layer("builders", "^infra/builders/"),
    layer("providers", "^infra/providers/"),
    layer("components", "^infra/components/"),
    layer("ops", "^(ops|fakeRetool)/"),
    { name: "no-test-imports-scripts", comment: "tests import ops/, never scripts/", severity: "error", from: { path: "^test/" }, to: { path: "^scripts/" } },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "(^|/)(node_modules|dist|[.]scratch)/" },
  },
};
