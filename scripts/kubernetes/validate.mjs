// Validates the Kubernetes manifests of a folder (config/kubernetes/): every document against
// the Kubernetes schemas (kubernetes-models: types, required fields, formats), then what a
// schema cannot see: the kustomization lists exactly the manifests; each Deployment's probes
// use its config's admin port and paths; its grace period outlasts the drain; its container
// ports are its listeners' ports; each Service selects a Deployment's pods and targets its
// ports. With --extract DIR, also writes every ConfigMap's TOML files into DIR.
//
//   node validate.mjs FOLDER [--extract DIR]      exit 0 valid, 1 not (every error printed)
import fs from "node:fs";
import path from "node:path";
import * as models from "kubernetes-models";
import YAML from "yaml";
import { parse as parseToml } from "smol-toml";

const [folder, flag, extractDir] = process.argv.slice(2);
const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);

// "apps/v1" + "Deployment" -> models.apps.v1.Deployment; "v1" -> models.v1.
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const key = group?.replace(/\.([a-z0-9])/g, (_, c) => c.toUpperCase());  // a.k8s.io -> aK8sIo
  const scope = group === null ? models[version] : models[key]?.[version];
  return scope?.[kind];
}

function duration(text) {  // "25s", "250ms", "1m" -> seconds
  const m = /^(\d+)(ms|s|m|h)$/.exec(text ?? "");
  if (!m) return null;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]];
}

function loadDocuments() {
  const docs = [];
  const files = fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const file of files) {
    YAML.parseAllDocuments(fs.readFileSync(path.join(folder, file), "utf8")).forEach((d, i) => {
      const where = `${file} document ${i + 1}`;
      if (d.errors.length) return fail(where, `YAML: ${d.errors[0].message}`);
      docs.push({ file, where, obj: d.toJS() });
    });
  }
  return { files, docs };
}

function validateSchemas(docs) {
  for (const { where, obj } of docs) {
    if (obj.kind === "Kustomization") continue;
    const Model = modelFor(obj.apiVersion ?? "", obj.kind ?? "");
    const name = `${obj.kind}/${obj.metadata?.name}`;
    if (!Model) { fail(where, `${name}: unknown apiVersion/kind ${obj.apiVersion} ${obj.kind}`); continue; }
    try {
      new Model(obj).validate();
    } catch (e) {
      fail(where, `${name}: ${e.message}`);
    }
  }
}

function checkKustomization(files, docs) {
  const k = docs.find((d) => d.obj.kind === "Kustomization");
  if (!k) return fail(folder, "no kustomization.yaml");
  const listed = [...(k.obj.resources ?? [])].sort();
  const manifests = files.filter((f) => f !== k.file);
  if (JSON.stringify(listed) !== JSON.stringify(manifests))
    fail(k.where, `resources ${JSON.stringify(listed)} are not the manifests ${JSON.stringify(manifests)}`);
}

// The TOML of the ConfigMap a Deployment's pod mounts, parsed, with its mount path and key.
function podConfig(deployment, configMaps, where) {
  const spec = deployment.spec.template.spec;
  for (const volume of spec.volumes ?? []) {
    const cm = configMaps.get(volume.configMap?.name);
    if (!cm) continue;
    const [key, text] = Object.entries(cm.data ?? {})[0] ?? [];
    const mount = spec.containers[0].volumeMounts?.find((m) => m.name === volume.name);
    try {
      return { toml: parseToml(text), file: `${mount?.mountPath}/${key}` };
    } catch (e) {
      fail(where, `ConfigMap/${cm.metadata.name} ${key}: TOML: ${e.message}`);
      return null;
    }
  }
  fail(where, "mounts no ConfigMap of this folder");
  return null;
}

function checkDeployment({ where, obj }, configMaps) {
  const config = podConfig(obj, configMaps, where);
  if (!config) return;
  const pod = obj.spec.template.spec;
  const c = pod.containers[0];
  const portOf = (p) => (typeof p === "number" ? p : c.ports?.find((x) => x.name === p)?.containerPort);
  const admin = Number(/:(\d+)$/.exec(config.toml.admin?.listen ?? "")?.[1]);
  for (const [probe, paths] of [["readinessProbe", ["/readyz"]], ["livenessProbe", ["/healthz"]]]) {
    const get = c[probe]?.httpGet;
    if (!get) { fail(where, `${c.name}: no ${probe} httpGet`); continue; }
    if (portOf(get.port) !== admin) fail(where, `${probe} port ${get.port} is not the admin port ${admin}`);
    if (!paths.includes(get.path)) fail(where, `${probe} path ${get.path} is not ${paths.join("|")}`);
  }
  const drain = duration(config.toml.runtime?.drain_timeout ?? "10s");
  const pause = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (!(grace > drain + pause))
    fail(where, `terminationGracePeriodSeconds ${grace} <= drain_timeout ${drain}s + preStop ${pause}s`);
  for (const [name, l] of Object.entries(config.toml.listeners ?? {})) {
    const port = Number(/:(\d+)$/.exec(l.bind ?? "")?.[1]);
    const protocol = (l.protocol ?? "tcp").toUpperCase();
    if (!c.ports?.some((p) => p.containerPort === port && (p.protocol ?? "TCP") === protocol))
      fail(where, `listener '${name}' (${protocol} ${port}) has no container port`);
  }
  const args = c.args ?? [];
  if (args[args.indexOf("-c") + 1] !== config.file)
    fail(where, `args do not load the mounted config ${config.file}: ${JSON.stringify(args)}`);
}

function checkService({ where, obj }, deployments) {
  const selector = Object.entries(obj.spec.selector ?? {});
  const target = deployments.find((d) => {
    const labels = d.obj.spec.template.metadata?.labels ?? {};
    return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
  });
  if (!target) return fail(where, `Service/${obj.metadata.name} selects no Deployment's pods`);
  const ports = target.obj.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
  for (const p of obj.spec.ports ?? []) {
    const t = p.targetPort ?? p.port;
    const match = ports.find((x) => (typeof t === "number" ? x.containerPort === t : x.name === t));
    if (!match || (match.protocol ?? "TCP") !== (p.protocol ?? "TCP"))
      fail(where, `port ${p.name}: targetPort ${t}/${p.protocol ?? "TCP"} is no container port`);
  }
}

const { files, docs } = loadDocuments();
validateSchemas(docs);
checkKustomization(files, docs);
const configMaps = new Map(docs.filter((d) => d.obj.kind === "ConfigMap").map((d) => [d.obj.metadata.name, d.obj]));
const deployments = docs.filter((d) => d.obj.kind === "Deployment");
if (errors.length === 0) {
  deployments.forEach((d) => checkDeployment(d, configMaps));
  docs.filter((d) => d.obj.kind === "Service").forEach((d) => checkService(d, deployments));
}
if (flag === "--extract" && errors.length === 0) {
  for (const cm of configMaps.values())
    for (const [key, text] of Object.entries(cm.data ?? {})) fs.writeFileSync(path.join(extractDir, key), text);
}
for (const e of errors) console.error(`kubernetes: ${e}`);
if (errors.length) process.exit(1);
console.log(`kubernetes: ${docs.length} documents in ${files.length} files valid`);
