// Drives the real @huggingface/hub client against dualtrack for HfEndToEndIT, and prints one JSON line.
// Usage: node hub-client.mjs <download|list|snapshot|cache-file> <hubUrl> <repo> [path] [cacheDir]
import { createHash } from "node:crypto";
import { downloadFile, downloadFileToCacheDir, listFiles, snapshotDownload } from "@huggingface/hub";

const [command, hubUrl, repo, path, cacheDir] = process.argv.slice(2);
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function run() {
  switch (command) {
    case "download": {
      const blob = await downloadFile({ repo, path, hubUrl });
      if (!blob) {
        return { ok: false, error: "no such file" };
      }
      const bytes = Buffer.from(await blob.arrayBuffer());
      return { ok: true, size: bytes.length, sha256: sha256(bytes) };
    }
    case "list": {
      const entries = [];
      for await (const entry of listFiles({ repo, hubUrl, recursive: true })) {
        entries.push(entry);
      }
      return { ok: true, paths: entries.map((e) => e.path), xet: entries.some((e) => "xetHash" in e) };
    }
    case "snapshot": {
      const folder = await snapshotDownload({ repo, hubUrl, cacheDir });
      return { ok: true, folder };
    }
    case "cache-file": {
      const file = await downloadFileToCacheDir({ repo, path, hubUrl, cacheDir });
      return { ok: true, file };
    }
    default:
      throw new Error("unknown command " + command);
  }
}

try {
  console.log(JSON.stringify(await run()));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message), status: e && e.statusCode }));
}
