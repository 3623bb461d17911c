// Prints the AsyncAPI parser's diagnostics of one document (a JSON file) as a JSON array.
const fs = require("node:fs");
const { Parser } = require("@asyncapi/parser");

async function main() {
  const text = fs.readFileSync(process.argv[2], "utf8");
  const diagnostics = await new Parser().validate(text);
  const out = diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity, // 0 error, 1 warning, 2 information, 3 hint
    message: d.message,
    path: d.path,
  }));
  process.stdout.write(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(2);
});
