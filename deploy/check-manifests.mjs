// Validates deploy/k8s/*.yaml against the Kubernetes OpenAPI schemas shipped in the npm package
// kubernetes-models (and @kubernetes-models/prometheus-operator for ServiceMonitor). Also writes the
// dualtrack config embedded in the ConfigMap to the path given as argv[3], for `dualtrack check-config`.
// Usage: node deploy/check-manifests.mjs MODULES_DIR CONFIGMAP_CONFIG_OUT
import { createRequire } from "node:module";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(process.argv[2], "package.json"));
const YAML = require("yaml");

// The packages are ES modules exporting one class per file: import them by path from the modules folder.
const load = async (pkg, path, name) =>
  (await import(pathToFileURL(join(process.argv[2], "node_modules", pkg, path + ".js")).href))[name];
const models = {
  "v1/ConfigMap": () => load("kubernetes-models", "v1/ConfigMap", "ConfigMap"),
  "v1/Service": () => load("kubernetes-models", "v1/Service", "Service"),
  "apps/v1/Deployment": () => load("kubernetes-models", "apps/v1/Deployment", "Deployment"),
  "autoscaling/v2/HorizontalPodAutoscaler": () =>
    load("kubernetes-models", "autoscaling/v2/HorizontalPodAutoscaler", "HorizontalPodAutoscaler"),
  "policy/v1/PodDisruptionBudget": () => load("kubernetes-models", "policy/v1/PodDisruptionBudget", "PodDisruptionBudget"),
  "networking.k8s.io/v1/Ingress": () => load("kubernetes-models", "networking.k8s.io/v1/Ingress", "Ingress"),
  "networking.k8s.io/v1/NetworkPolicy": () =>
    load("kubernetes-models", "networking.k8s.io/v1/NetworkPolicy", "NetworkPolicy"),
  "monitoring.coreos.com/v1/ServiceMonitor": () =>
    load("@kubernetes-models/prometheus-operator", "monitoring.coreos.com/v1/ServiceMonitor", "ServiceMonitor"),
};

let failures = 0;
let checked = 0;
const dir = join(here, "k8s");
for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort()) {
  for (const doc of YAML.parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
    if (doc.errors.length) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      failures++;
      continue;
    }
    const obj = doc.toJS();
    const key = `${obj.apiVersion}/${obj.kind}`;
    const Model = models[key];
    if (!Model) {
      console.error(`${file}: no schema known for ${key}`);
      failures++;
      continue;
    }
    try {
      new (await Model())(obj).validate();
      checked++;
      console.log(`ok    ${file} ${key} ${obj.metadata.name}`);
      if (obj.kind === "ConfigMap" && process.argv[3]) {
        writeFileSync(process.argv[3], obj.data["dualtrack.yaml"]);
      }
    } catch (e) {
      failures++;
      console.error(`FAIL  ${file} ${key}: ${e.message}`);
    }
  }
}
// kustomize must list exactly the manifests we ship.
const listed = YAML.parse(readFileSync(join(dir, "kustomization.yaml"), "utf8")).resources.sort();
const present = readdirSync(dir).filter((f) => f.endsWith(".yaml") && f !== "kustomization.yaml").sort();
if (JSON.stringify(listed) !== JSON.stringify(present)) {
  console.error(`FAIL  kustomization.yaml lists ${listed} but the folder has ${present}`);
  failures++;
}
console.log(`manifests: ${checked} valid, ${failures} invalid`);
process.exit(failures ? 1 : 0);
