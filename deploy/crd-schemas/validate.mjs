// @ts-check
// Validates custom resources against the schemas their projects publish, as packaged by
// @kubernetes-models (Argo CD, Flux, External Secrets, prometheus-operator).
// Reads a JSON array of objects on standard input; prints one JSON line per object,
// {"kind", "name", "error"} (error null when valid), and exits 1 if any object is invalid or has
// no schema here. The Kubernetes built-in kinds are checked by kubernetes-validate instead.
const PACKAGES = {
  "argoproj.io": "@kubernetes-models/argo-cd",
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "helm.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "source.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "kustomize.toolkit.fluxcd.io": "@kubernetes-models/flux-cd",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

/** @param {{apiVersion: string, kind: string, metadata?: {name?: string}}} object */
async function check(object) {
  const [group, version] = object.apiVersion.split("/");
  const pkg = PACKAGES[/** @type {keyof typeof PACKAGES} */ (group)];
  if (!pkg) return `no schema for ${object.apiVersion} here`;
  let model;
  try {
    model = await import(`${pkg}/${group}/${version}/${object.kind}`);
  } catch {
    return `no schema for ${object.apiVersion} ${object.kind} in ${pkg}`;
  }
  try {
    new model[object.kind](object).validate();
    return null;
  } catch (error) {
    return String(/** @type {Error} */ (error).message);
  }
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
let failed = false;
for (const object of JSON.parse(input)) {
  const error = await check(object);
  failed ||= error !== null;
  console.log(JSON.stringify({ kind: object.kind, name: object.metadata?.name ?? null, error }));
}
process.exit(failed ? 1 : 0);
