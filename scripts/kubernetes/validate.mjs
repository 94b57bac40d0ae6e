// Validates the Kubernetes manifests of a folder (config/kubernetes/).
//
// Every YAML document of every *.yaml file is checked against the Kubernetes schema of its
// apiVersion/kind (the npm package kubernetes-models: the OpenAPI types, required fields,
// formats and enums of Kubernetes 1.33). That schema lets unknown fields through (the
// Kubernetes OpenAPI has no additionalProperties: false) where kubectl's strict field
// validation refuses them, so the validator records which keys the schema reads in each object
// it looks into and reports every other key as an unknown field. Then what no schema can see:
//   - kustomization.yaml lists exactly the other YAML files, and names every container image;
//   - each Deployment runs mio-echo or mio-proxy (command) with -c on a file of a ConfigMap of
//     this folder that it mounts; that TOML, with the args' --set overrides, is the config:
//     probes: readiness GET /readyz and liveness GET /healthz on the [admin] listen port;
//     terminationGracePeriodSeconds > preStop sleep + runtime.drain_timeout;
//     listeners and admin endpoint not on loopback; container ports = listeners + admin;
//     non-root, read-only, no privilege escalation, no capabilities, RuntimeDefault seccomp;
//     cpu request and limit at most one core, memory limit above the buffer pool (proxy);
//     $(VAR) in args resolves (container env or a Service of this folder), and a server
//     address made of a Service's variables names a port of that Service whose protocol is
//     the protocol of the listeners using that upstream;
//     its selector matches its pod labels;
//   - each Service and PodDisruptionBudget selects the pods of exactly one Deployment; each
//     Service port targets a container port of the same protocol; every listener is behind a
//     Service port.
// With --extract DIR, writes for each Deployment DIR/<name>.argv: the daemon's name and its
// arguments (NUL-separated), -c pointing at DIR/<ConfigMap key>, which is written too, and the
// $(VAR)s expanded (a Service's cluster IP as 127.0.0.1), for `<daemon> <args> --check`.
//
//   node validate.mjs FOLDER [--extract DIR]   exit 0 valid, 1 not (every error printed)
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { parse as parseToml } from "smol-toml";

const [folder, flag, extractDir] = process.argv.slice(2);
if (!folder || (flag !== undefined && (flag !== "--extract" || !extractDir))) {
  console.error("usage: node validate.mjs FOLDER [--extract DIR]");
  process.exit(2);
}
const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);

const DAEMONS = ["mio-echo", "mio-proxy"];
const PROXY_DEFAULT_MEMORY_LIMIT = "512MiB"; // config/mio-proxy.toml: runtime.memory_limit
const KUSTOMIZATION_KEYS = new Set([
  "apiVersion", "kind", "resources", "images", "namespace", "namePrefix", "nameSuffix",
  "labels", "commonLabels", "commonAnnotations", "patches", "replicas", "components",
  "configMapGenerator", "secretGenerator", "generatorOptions",
]);

// ---- values ---------------------------------------------------------------------------

function seconds(text) { // TOML durations: "25s", "250ms", "1m", "off"
  if (text === "off") return 0;
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text ?? "");
  return m ? Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2]] : null;
}

function tomlBytes(value) { // TOML sizes: 1024, "512B", "16KiB", "512MiB"
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  const m = /^(\d+)(B|KiB|MiB|GiB)$/.exec(value ?? "");
  return m ? Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[m[2]] : null;
}

function quantity(value) { // Kubernetes quantities: "500m", "1", 0.5, "64Mi", "1G"
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(value ?? ""));
  if (!m) return null;
  const unit = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
}

// "0.0.0.0:9901", "[::]:7007" -> {host, port}; null for unix:/path or garbage.
function hostPort(text) {
  const m = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d+)$/.exec(text ?? "");
  return m ? { host: m[1] ?? m[2], port: Number(m[3]) } : null;
}
const isLoopback = (host) => /^127\./.test(host) || host === "::1" || host === "localhost";

const labelsMatch = (selector, labels) =>
  Object.keys(selector ?? {}).length > 0 &&
  Object.entries(selector).every(([k, v]) => (labels ?? {})[k] === v);

// The kubelet's service-link variable names: mio-echo -> MIO_ECHO.
const envName = (name) => name.toUpperCase().replace(/-/g, "_");

// ---- loading --------------------------------------------------------------------------

function loadDocuments() {
  const docs = [];
  let files;
  try {
    files = fs.readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (e) {
    fail(folder, e.message);
    return { files: [], docs };
  }
  for (const file of files) {
    const text = fs.readFileSync(path.join(folder, file), "utf8");
    YAML.parseAllDocuments(text).forEach((d, i) => {
      const where = `${file} document ${i + 1}`;
      if (d.errors.length) return fail(where, `YAML: ${d.errors[0].message}`);
      const obj = d.toJS();
      if (obj === null || obj === undefined) return; // an empty document, as kubectl skips it
      if (typeof obj !== "object" || Array.isArray(obj)) return fail(where, "not a YAML mapping");
      const name = obj.metadata?.name ? `${obj.kind}/${obj.metadata.name}` : `${obj.kind}`;
      docs.push({ file, where: `${where} (${name})`, obj });
    });
  }
  return { files, docs };
}

// ---- schema ---------------------------------------------------------------------------

// The kubernetes-models class for apiVersion + kind ("apps/v1" + "Deployment" ->
// kubernetes-models/apps/v1/Deployment), imported alone (the whole package takes a second).
async function modelFor(apiVersion, kind) {
  const m = /^(?:([a-z0-9.-]+)\/)?(v[0-9a-z]+)$/.exec(apiVersion ?? "");
  if (!m || !/^[A-Z][A-Za-z0-9]*$/.test(kind ?? "")) return null;
  const [, group, version] = m;
  const spec = `kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`;
  try {
    return (await import(spec))[kind] ?? null;
  } catch {
    return null;
  }
}

// A copy of `value` whose objects record which of their keys the schema reads. An object
// whose keys the schema enumerates is a map (labels, data, limits): any key is fine there.
// One whose keys it never reads is free-form (none in these kinds): not judged.
function tracked(value, pointer, records) {
  if (Array.isArray(value)) return value.map((v, i) => tracked(v, `${pointer}/${i}`, records));
  if (value === null || typeof value !== "object") return value;
  const record = { pointer, keys: Object.keys(value), read: new Set(), map: false };
  records.push(record);
  const copy = Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, tracked(v, `${pointer}/${k}`, records)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") record.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      record.map = true;
      return Reflect.ownKeys(target);
    },
  });
}

async function validateSchema({ where, obj }) {
  const Model = await modelFor(obj.apiVersion, obj.kind);
  if (!Model) {
    return fail(where, `unknown apiVersion/kind '${obj.apiVersion}' '${obj.kind}' (no Kubernetes schema)`);
  }
  const records = [];
  try {
    // The model's validate() on the document itself (new Model(obj) would copy it first).
    Model.prototype.validate.call(tracked(obj, "", records));
  } catch (e) {
    fail(where, `schema: ${e.message}`);
  }
  for (const r of records) {
    if (r.map || r.read.size === 0) continue;
    for (const key of r.keys.filter((k) => !r.read.has(k)))
      fail(where, `schema: data${r.pointer} has an unknown field '${key}'`);
  }
}

// ---- kustomization --------------------------------------------------------------------

function checkKustomization(files, docs) {
  const all = docs.filter((d) => d.obj.kind === "Kustomization");
  if (all.length !== 1) return fail(folder, `${all.length} Kustomization documents (one wanted)`);
  const k = all[0];
  if (k.file !== "kustomization.yaml") fail(k.where, "kubectl apply -k reads kustomization.yaml: rename the file");
  if (k.obj.apiVersion !== "kustomize.config.k8s.io/v1beta1")
    fail(k.where, `apiVersion ${k.obj.apiVersion} is not kustomize.config.k8s.io/v1beta1`);
  for (const key of Object.keys(k.obj).filter((key) => !KUSTOMIZATION_KEYS.has(key)))
    fail(k.where, `unknown field '${key}'`);
  const listed = [...(k.obj.resources ?? [])].sort();
  const manifests = files.filter((f) => f !== k.file);
  if (JSON.stringify(listed) !== JSON.stringify(manifests))
    fail(k.where, `resources ${JSON.stringify(listed)} are not the manifests ${JSON.stringify(manifests)}`);
  const images = new Set((k.obj.images ?? []).map((i) => i.name));
  for (const d of docs.filter((x) => x.obj.kind === "Deployment")) {
    for (const c of d.obj.spec?.template?.spec?.containers ?? []) {
      const name = String(c.image ?? "").replace(/[:@].*$/, "");
      if (!images.has(name)) fail(d.where, `container ${c.name}: image ${c.image} is not named in ${k.file} images`);
    }
  }
}

// ---- Deployments ----------------------------------------------------------------------

// TOML --set overrides applied as the daemons do: dotted key, value parsed as TOML or a string.
function applySet(config, arg, where) {
  const eq = arg.indexOf("=");
  if (eq <= 0) return fail(where, `--set '${arg}': expected key.path=value`);
  const keys = arg.slice(0, eq).split(".");
  let value;
  try {
    value = parseToml(`v = ${arg.slice(eq + 1)}`).v;
  } catch {
    value = arg.slice(eq + 1);
  }
  let table = config;
  for (const key of keys.slice(0, -1)) {
    table[key] ??= {};
    table = table[key];
    if (typeof table !== "object" || Array.isArray(table)) return fail(where, `--set '${arg}': ${key} is not a table`);
  }
  table[keys.at(-1)] = value;
}

// The variables $(VAR) may name in a container's args: its env and the service links of
// this folder's Services (VAR -> {value, service, port}).
function variables(pod, container, services) {
  const vars = new Map();
  if (pod.enableServiceLinks !== false) {
    for (const s of services) {
      const base = envName(s.obj.metadata.name);
      const ports = s.obj.spec?.ports ?? [];
      vars.set(`${base}_SERVICE_HOST`, { value: "127.0.0.1", service: s });
      if (ports[0]) vars.set(`${base}_SERVICE_PORT`, { value: String(ports[0].port), service: s, port: ports[0] });
      for (const p of ports.filter((x) => x.name))
        vars.set(`${base}_SERVICE_PORT_${envName(p.name)}`, { value: String(p.port), service: s, port: p });
    }
  }
  for (const e of container.env ?? []) if (e.value !== undefined) vars.set(e.name, { value: e.value });
  return vars;
}
const references = (text) => [...String(text).matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)].map((m) => m[1]);
const expand = (text, vars) => String(text).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
  (whole, name) => vars.get(name)?.value ?? whole);

// The daemon, its config file (mounted from a ConfigMap of the folder) and its effective
// config; null (with the errors recorded) when it cannot be found.
function podConfig(d, configMaps, vars) {
  const pod = d.obj.spec.template.spec;
  const c = pod.containers[0];
  const argv = [...(c.command ?? []), ...(c.args ?? [])];
  const daemon = path.basename(String(argv[0] ?? ""));
  if (!DAEMONS.includes(daemon)) {
    fail(d.where, `container ${c.name}: command ${JSON.stringify(c.command)} runs none of ${DAEMONS.join(", ")}`);
    return null;
  }
  const links = pod.enableServiceLinks === false ? " (enableServiceLinks is false)" : "";
  for (const name of new Set(argv.flatMap(references).filter((n) => !vars.has(n))))
    fail(d.where, `args: $(${name}) is neither an env variable of the container nor a variable of a Service of this folder${links}; the kubelet would pass it as it is`);
  const options = argv.slice(1);
  const sets = [];
  let file = null;
  for (let i = 0; i < options.length; i++) {
    const [opt, inline] = options[i].startsWith("--") ? options[i].split(/=(.*)/s) : [options[i]];
    if (opt === "-c" || opt === "--config") file = inline ?? options[++i];
    else if (opt === "--set") sets.push(inline ?? options[++i]);
  }
  if (!file) {
    fail(d.where, "args: no -c FILE (the image's default config binds loopback only)");
    return null;
  }
  const mount = (c.volumeMounts ?? [])
    .filter((m) => file.startsWith(`${m.mountPath.replace(/\/$/, "")}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  const volume = (pod.volumes ?? []).find((v) => v.name === mount?.name);
  const cm = configMaps.get(volume?.configMap?.name);
  if (!mount || !cm) {
    fail(d.where, `-c ${file} is on no volume mounted from a ConfigMap of this folder`);
    return null;
  }
  if (mount.subPath) fail(d.where, `volumeMount ${mount.name}: subPath mounts never see a changed ConfigMap`);
  const relative = file.slice(mount.mountPath.replace(/\/$/, "").length + 1);
  const key = volume.configMap.items?.find((it) => it.path === relative)?.key ?? relative;
  const text = cm.obj.data?.[key];
  if (typeof text !== "string") {
    fail(d.where, `-c ${file}: ConfigMap/${cm.obj.metadata.name} has no key '${key}'`);
    return null;
  }
  let config;
  try {
    config = parseToml(text);
  } catch (e) {
    fail(cm.where, `${key}: TOML: ${e.message.split("\n")[0]}`);
    return null;
  }
  for (const s of sets) applySet(config, s, d.where);
  return { daemon, argv, file, key, text, config };
}

function checkSecurity(d, pod, c) {
  const psc = pod.securityContext ?? {};
  const csc = c.securityContext ?? {};
  const either = (k) => csc[k] ?? psc[k];
  if (either("runAsNonRoot") !== true) fail(d.where, "runAsNonRoot is not true");
  const uid = either("runAsUser");
  if (!(Number.isInteger(uid) && uid > 0)) fail(d.where, `runAsUser ${uid} is not a non-root uid`);
  if (csc.readOnlyRootFilesystem !== true) fail(d.where, `container ${c.name}: readOnlyRootFilesystem is not true`);
  if (csc.allowPrivilegeEscalation !== false) fail(d.where, `container ${c.name}: allowPrivilegeEscalation is not false`);
  if (!(csc.capabilities?.drop ?? []).includes("ALL")) fail(d.where, `container ${c.name}: capabilities do not drop ALL`);
  if ((csc.capabilities?.add ?? []).length) fail(d.where, `container ${c.name}: capabilities add ${csc.capabilities.add}`);
  if ((csc.seccompProfile ?? psc.seccompProfile)?.type !== "RuntimeDefault")
    fail(d.where, "seccompProfile is not RuntimeDefault");
}

function checkResources(d, c, cfg) {
  const r = c.resources ?? {};
  for (const kind of ["requests", "limits"]) {
    for (const res of ["cpu", "memory"]) {
      if (r[kind]?.[res] === undefined) fail(d.where, `container ${c.name}: no ${res} ${kind}`);
      else if (quantity(r[kind][res]) === null) fail(d.where, `container ${c.name}: ${res} ${kind} '${r[kind][res]}' is no quantity`);
    }
    const cpu = quantity(r[kind]?.cpu);
    if (cpu !== null && cpu > 1) fail(d.where, `cpu ${kind} ${r[kind].cpu} is more than one core: one process is one core (scale with replicas)`);
  }
  for (const res of ["cpu", "memory"]) {
    const [req, lim] = [quantity(r.requests?.[res]), quantity(r.limits?.[res])];
    if (req !== null && lim !== null && req > lim) fail(d.where, `${res} request ${r.requests[res]} is above its limit ${r.limits[res]}`);
  }
  if (cfg.daemon === "mio-proxy") {
    const text = cfg.config.runtime?.memory_limit ?? PROXY_DEFAULT_MEMORY_LIMIT;
    const pool = tomlBytes(text);
    const limit = quantity(r.limits?.memory);
    if (pool !== null && limit !== null && !(limit > pool))
      fail(d.where, `memory limit ${r.limits.memory} is not above runtime.memory_limit ${text} (the buffer pool)`);
  }
}

function checkDeployment(d, configMaps, services) {
  const spec = d.obj.spec;
  const pod = spec.template.spec;
  const podLabels = spec.template.metadata?.labels ?? {};
  if (spec.selector?.matchExpressions?.length) fail(d.where, "selector: matchExpressions are not checked here: use matchLabels");
  if (!labelsMatch(spec.selector?.matchLabels, podLabels))
    fail(d.where, `selector ${JSON.stringify(spec.selector?.matchLabels)} does not match the pod labels ${JSON.stringify(podLabels)}`);
  if (pod.containers.length !== 1) fail(d.where, `${pod.containers.length} containers (one daemon per pod wanted)`);
  const c = pod.containers[0];
  const vars = variables(pod, c, services);
  const cfg = podConfig(d, configMaps, vars);
  checkSecurity(d, pod, c);
  if (!cfg) return null;
  checkResources(d, c, cfg);
  const { config } = cfg;
  const portOf = (p) => (typeof p === "number" ? p : c.ports?.find((x) => x.name === p)?.containerPort);

  const admin = hostPort(config.admin?.listen);
  if (!admin) {
    fail(d.where, `config: [admin] listen '${config.admin?.listen}' is no host:port: the kubelet could not probe it`);
  } else {
    if (isLoopback(admin.host)) fail(d.where, `config: [admin] listen ${config.admin.listen} is loopback: the kubelet probes the pod's IP`);
    for (const [probe, wanted] of [["readinessProbe", "/readyz"], ["livenessProbe", "/healthz"]]) {
      const get = c[probe]?.httpGet;
      if (!get) { fail(d.where, `container ${c.name}: no ${probe} httpGet`); continue; }
      if (portOf(get.port) !== admin.port) fail(d.where, `${probe} port ${get.port} is not the admin port ${admin.port}`);
      if (get.path !== wanted) fail(d.where, `${probe} path ${get.path} is not ${wanted}`);
      if ((get.scheme ?? "HTTP") !== "HTTP") fail(d.where, `${probe} scheme ${get.scheme}: the admin endpoint speaks plain HTTP`);
    }
    const scrape = spec.template.metadata?.annotations?.["prometheus.io/port"];
    if (scrape !== undefined && Number(scrape) !== admin.port)
      fail(d.where, `annotation prometheus.io/port ${scrape} is not the admin port ${admin.port}`);
  }

  const drainText = config.runtime?.drain_timeout ?? "10s";
  const drain = seconds(drainText);
  const pause = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (drain === null) fail(d.where, `config: runtime.drain_timeout '${drainText}' is no duration`);
  else if (!(grace > drain + pause))
    fail(d.where, `terminationGracePeriodSeconds ${grace} <= drain_timeout ${drainText} + preStop sleep ${pause}s: SIGKILL would cut the drain short`);

  const listeners = [];
  for (const [name, l] of Object.entries(config.listeners ?? {})) {
    const protocol = (l.protocol ?? "tcp").toUpperCase();
    for (const bind of [l.bind].flat()) {
      const hp = hostPort(bind);
      if (!hp) { fail(d.where, `config: listener '${name}' binds ${bind}: no host:port a Service can reach`); continue; }
      if (isLoopback(hp.host)) fail(d.where, `config: listener '${name}' binds loopback ${bind}: unreachable from the Service`);
      listeners.push({ name, protocol, port: hp.port });
      if (!c.ports?.some((p) => p.containerPort === hp.port && (p.protocol ?? "TCP") === protocol))
        fail(d.where, `listener '${name}' (${protocol} ${hp.port}) has no container port`);
    }
  }
  for (const p of c.ports ?? []) {
    const protocol = p.protocol ?? "TCP";
    const known = listeners.some((l) => l.port === p.containerPort && l.protocol === protocol) ||
      (admin && protocol === "TCP" && p.containerPort === admin.port);
    if (!known) fail(d.where, `container port ${p.name ?? ""} ${protocol} ${p.containerPort} is no listener and not the admin port`);
  }

  // Servers written with a Service's variables: host and port of one Service, the port of
  // the protocol of the listeners that use the upstream.
  for (const [uname, u] of Object.entries(config.upstreams ?? {})) {
    const protocols = [...new Set(listeners.filter((l) => config.listeners[l.name].upstream === uname).map((l) => l.protocol))];
    for (const s of [u.servers ?? []].flat()) {
      const refs = references(s.address ?? "").map((n) => ({ name: n, ...vars.get(n) }));
      if (refs.length === 0 || refs.some((r) => !r.service)) continue;
      const where = `upstream '${uname}' server ${s.address}`;
      const host = refs.find((r) => r.name.endsWith("_SERVICE_HOST"));
      const port = refs.find((r) => r.port);
      if (!host || !port || new Set(refs.map((r) => r.service)).size !== 1) {
        fail(d.where, `${where}: not $(X_SERVICE_HOST):$(X_SERVICE_PORT_NAME) of one Service`);
        continue;
      }
      for (const protocol of protocols.filter((p) => (port.port.protocol ?? "TCP") !== p))
        fail(d.where, `${where}: Service/${port.service.obj.metadata.name} port ${port.port.name} is ${port.port.protocol ?? "TCP"}, the listeners using it are ${protocol}`);
    }
  }
  return { ...cfg, listeners, container: c, vars };
}

// ---- Services, PodDisruptionBudgets -----------------------------------------------------

function selected(d, selector, deployments, what) {
  const hits = deployments.filter((x) => labelsMatch(selector, x.obj.spec.template.metadata?.labels));
  if (hits.length !== 1)
    fail(d.where, `${what} ${JSON.stringify(selector)} selects the pods of ${hits.length} Deployments (one wanted)`);
  return hits.length === 1 ? hits[0] : null;
}

function checkService(s, deployments) {
  const target = selected(s, s.obj.spec?.selector, deployments, "selector");
  if (!target) return;
  const c = target.obj.spec.template.spec.containers[0];
  for (const p of s.obj.spec.ports ?? []) {
    const t = p.targetPort ?? p.port;
    const match = (c.ports ?? []).find((x) => (typeof t === "number" ? x.containerPort === t : x.name === t));
    if (!match || (match.protocol ?? "TCP") !== (p.protocol ?? "TCP"))
      fail(s.where, `port ${p.name}: targetPort ${t}/${p.protocol ?? "TCP"} is no container port of Deployment/${target.obj.metadata.name}`);
  }
}

function checkExposed(d, cfg, services) {
  const c = cfg.container;
  const mine = services.filter((s) => labelsMatch(s.obj.spec?.selector, d.obj.spec.template.metadata?.labels));
  for (const l of cfg.listeners) {
    const exposed = mine.some((s) => (s.obj.spec.ports ?? []).some((p) => {
      const t = p.targetPort ?? p.port;
      const port = typeof t === "number" ? t : c.ports?.find((x) => x.name === t)?.containerPort;
      return port === l.port && (p.protocol ?? "TCP") === l.protocol;
    }));
    if (!exposed) fail(d.where, `listener '${l.name}' (${l.protocol} ${l.port}) is behind no Service port`);
  }
}

// ---- main -----------------------------------------------------------------------------

const { files, docs } = loadDocuments();
const objects = docs.filter((d) => d.obj.kind !== "Kustomization");
for (const d of objects) await validateSchema(d);
checkKustomization(files, docs);
if (errors.length === 0) { // the checks below trust the schema (types, required fields)
  const configMaps = new Map(objects.filter((d) => d.obj.kind === "ConfigMap").map((d) => [d.obj.metadata.name, d]));
  const services = objects.filter((d) => d.obj.kind === "Service");
  const deployments = objects.filter((d) => d.obj.kind === "Deployment");
  const configs = new Map();
  for (const d of deployments) {
    const cfg = checkDeployment(d, configMaps, services);
    if (cfg) configs.set(d, cfg);
  }
  for (const s of services) checkService(s, deployments);
  for (const [d, cfg] of configs) checkExposed(d, cfg, services);
  for (const p of objects.filter((d) => d.obj.kind === "PodDisruptionBudget"))
    selected(p, p.obj.spec?.selector?.matchLabels, deployments, "selector");
  if (flag === "--extract" && errors.length === 0) {
    for (const [d, cfg] of configs) {
      const tomlPath = path.join(extractDir, cfg.key);
      fs.writeFileSync(tomlPath, cfg.text);
      const argv = cfg.argv.map((a) => (a === cfg.file ? tomlPath
        : a === `--config=${cfg.file}` ? `--config=${tomlPath}` : expand(a, cfg.vars)));
      argv[0] = cfg.daemon;
      fs.writeFileSync(path.join(extractDir, `${d.obj.metadata.name}.argv`), argv.join("\0"));
    }
  }
}
for (const e of errors) console.error(`kubernetes: ${e}`);
if (errors.length) process.exit(1);
console.log(`kubernetes: ${docs.length} documents in ${files.length} files valid`);
