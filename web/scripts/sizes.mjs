// Prints every built asset's size (raw and gzipped) and checks the login page's budget: the JS
// a browser must fetch before the sign-in form works (entry + the auth route, with imports).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const DIST = new URL("../dist/", import.meta.url).pathname;
const LOGIN_BUDGET_KB = 200;
const manifest = JSON.parse(readFileSync(join(DIST, ".vite/manifest.json"), "utf8"));

const gz = (file) => gzipSync(readFileSync(join(DIST, file))).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

function closure(keys, seen = new Set()) {
  for (const key of keys) {
    if (seen.has(key)) continue;
    seen.add(key);
    closure(manifest[key].imports ?? [], seen);
  }
  return seen;
}

const rows = Object.values(manifest)
  .filter((chunk) => chunk.file.endsWith(".js") || chunk.file.endsWith(".css"))
  .map((chunk) => ({
    file: chunk.file,
    raw: readFileSync(join(DIST, chunk.file)).length,
    gz: gz(chunk.file),
  }))
  .sort((a, b) => b.gz - a.gz);
for (const row of rows)
  console.log(`${row.file.padEnd(40)} ${kb(row.raw).padStart(10)} ${kb(row.gz).padStart(10)} gz`);

const login = [...closure(["index.html", "src/pages/auth.tsx"])]
  .map((key) => manifest[key].file)
  .filter((f) => f.endsWith(".js"));
const total = login.reduce((sum, file) => sum + gz(file), 0);
console.log(
  `login page initial JS: ${kb(total)} gzipped in ${login.length} files (budget ${LOGIN_BUDGET_KB} KB)`,
);
if (total > LOGIN_BUDGET_KB * 1024) {
  console.error("over budget: split the routes or drop a dependency");
  process.exit(1);
}
