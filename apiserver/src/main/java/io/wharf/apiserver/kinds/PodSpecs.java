package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Defaulting (pkg/apis/core/v1/defaults.go) and validation (pkg/apis/core/validation ValidatePodSpec) of a PodSpec,
 * shared by Pods and every pod template (Deployment, ReplicaSet, DaemonSet, StatefulSet, Job, CronJob).
 */
final class PodSpecs {
    private PodSpecs() {}

    static final List<String> RESTART_POLICIES = List.of("Always", "OnFailure", "Never");
    static final List<String> DNS_POLICIES = List.of("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"); // sets.List() order
    static final List<String> PULL_POLICIES = List.of("Always", "IfNotPresent", "Never");
    static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    static final List<String> TERMINATION_MESSAGE_POLICIES = List.of("File", "FallbackToLogsOnError");
    static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute"); // validateTaintEffect order

    // ---------------------------------------------------------------- defaults

    /** SetDefaults_PodSpec and the container/volume/probe defaults below it. */
    static void defaultSpec(ObjectNode spec) {
        Nodes.defaultText(spec, "dnsPolicy", "ClusterFirst");
        Nodes.defaultText(spec, "restartPolicy", "Always");
        Nodes.defaultInt(spec, "terminationGracePeriodSeconds", 30);
        Nodes.defaultText(spec, "schedulerName", "default-scheduler");
        if (Nodes.absent(spec, "securityContext")) spec.putObject("securityContext");
        // serviceAccount is the deprecated alias of serviceAccountName; Kubernetes keeps both in sync.
        if (!Nodes.text(spec, "serviceAccountName").isEmpty() && Nodes.text(spec, "serviceAccount").isEmpty())
            spec.put("serviceAccount", Nodes.text(spec, "serviceAccountName"));
        else if (Nodes.text(spec, "serviceAccountName").isEmpty() && !Nodes.text(spec, "serviceAccount").isEmpty())
            spec.put("serviceAccountName", Nodes.text(spec, "serviceAccount"));
        for (String list : List.of("initContainers", "containers", "ephemeralContainers")) {
            ArrayNode cs = Nodes.arrOrNull(spec, list);
            if (cs == null) continue;
            for (JsonNode c : cs) if (c instanceof ObjectNode co) defaultContainer(co);
        }
        ArrayNode vols = Nodes.arrOrNull(spec, "volumes");
        if (vols != null) for (JsonNode v : vols) if (v instanceof ObjectNode vo) defaultVolume(vo);
    }

    static void defaultContainer(ObjectNode c) {
        Nodes.defaultText(c, "terminationMessagePath", "/dev/termination-log");
        Nodes.defaultText(c, "terminationMessagePolicy", "File");
        if (Nodes.absent(c, "imagePullPolicy") || Nodes.text(c, "imagePullPolicy").isEmpty())
            c.put("imagePullPolicy", defaultPullPolicy(Nodes.text(c, "image")));
        if (Nodes.absent(c, "resources")) c.putObject("resources");
        ArrayNode ports = Nodes.arrOrNull(c, "ports");
        if (ports != null) for (JsonNode p : ports) if (p instanceof ObjectNode po) Nodes.defaultText(po, "protocol", "TCP");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            ObjectNode p = Nodes.objOrNull(c, probe);
            if (p != null) defaultProbe(p);
        }
        ObjectNode lifecycle = Nodes.objOrNull(c, "lifecycle");
        if (lifecycle != null) for (String h : List.of("postStart", "preStop")) {
            ObjectNode handler = Nodes.objOrNull(lifecycle, h);
            if (handler != null) defaultHandler(handler);
        }
        ArrayNode env = Nodes.arrOrNull(c, "env");
        if (env != null) for (JsonNode e : env) {
            ObjectNode fieldRef = Nodes.objOrNull(e.get("valueFrom"), "fieldRef");
            if (fieldRef != null) Nodes.defaultText(fieldRef, "apiVersion", "v1");
        }
        ObjectNode res = Nodes.objOrNull(c, "resources");
        canonicalizeQuantities(res);
    }

    /**
     * SetDefaults_Pod: the defaults that apply to Pods only, not to pod templates (Kubernetes keeps templates free of them
     * so that adding one does not roll every Deployment): enableServiceLinks, requests defaulted from limits, and with
     * hostNetwork the container ports' hostPort.
     */
    static void defaultPodOnly(ObjectNode spec) {
        Nodes.defaultBool(spec, "enableServiceLinks", true);
        for (String list : List.of("initContainers", "containers")) {
            ArrayNode cs = Nodes.arrOrNull(spec, list);
            if (cs == null) continue;
            for (JsonNode ctr : cs) {
                if (!(ctr instanceof ObjectNode c)) continue;
                ObjectNode res = Nodes.objOrNull(c, "resources");
                ObjectNode limits = res == null ? null : Nodes.objOrNull(res, "limits");
                if (limits != null && !limits.isEmpty()) {
                    ObjectNode requests = Nodes.obj(res, "requests");
                    Nodes.forEachField(limits, (k, v) -> { if (!requests.has(k)) requests.set(k, v.deepCopy()); });
                }
                if (spec.path("hostNetwork").asBoolean(false)) {
                    ArrayNode ports = Nodes.arrOrNull(c, "ports");
                    if (ports != null) for (JsonNode p : ports)
                        if (p instanceof ObjectNode po && Nodes.absent(po, "hostPort") && po.has("containerPort")) po.set("hostPort", po.get("containerPort"));
                }
            }
        }
    }

    /** Quantities are stored in canonical form ("0.5" -> "500m"), as the API server serializes them. */
    static void canonicalizeQuantities(ObjectNode res) {
        if (res == null) return;
        for (String k : List.of("limits", "requests")) {
            ObjectNode m = Nodes.objOrNull(res, k);
            if (m == null) continue;
            for (var it = m.fields(); it.hasNext(); ) {
                var e = it.next();
                JsonNode v = e.getValue();
                String s = v.isNumber() ? v.asText() : v.isTextual() ? v.asText() : null;
                if (s == null) continue;
                try {
                    e.setValue(Nodes.str(Quantity.parse(s).toString()));
                } catch (IllegalArgumentException ignored) {
                    // left as is; validation reports it
                }
            }
        }
    }

    static void defaultProbe(ObjectNode p) {
        Nodes.defaultInt(p, "timeoutSeconds", 1);
        Nodes.defaultInt(p, "periodSeconds", 10);
        Nodes.defaultInt(p, "successThreshold", 1);
        Nodes.defaultInt(p, "failureThreshold", 3);
        defaultHandler(p);
    }

    static void defaultHandler(ObjectNode h) {
        ObjectNode http = Nodes.objOrNull(h, "httpGet");
        if (http != null) {
            Nodes.defaultText(http, "path", "/");
            Nodes.defaultText(http, "scheme", "HTTP");
        }
    }

    static void defaultVolume(ObjectNode v) {
        boolean hasSource = false;
        for (var it = v.fieldNames(); it.hasNext(); ) if (!it.next().equals("name")) { hasSource = true; break; }
        if (!hasSource) v.putObject("emptyDir");
        ObjectNode secret = Nodes.objOrNull(v, "secret");
        if (secret != null) Nodes.defaultInt(secret, "defaultMode", 420);
        ObjectNode cm = Nodes.objOrNull(v, "configMap");
        if (cm != null) Nodes.defaultInt(cm, "defaultMode", 420);
        ObjectNode projected = Nodes.objOrNull(v, "projected");
        if (projected != null) Nodes.defaultInt(projected, "defaultMode", 420);
        ObjectNode downward = Nodes.objOrNull(v, "downwardAPI");
        if (downward != null) Nodes.defaultInt(downward, "defaultMode", 420);
        ObjectNode hostPath = Nodes.objOrNull(v, "hostPath");
        if (hostPath != null) Nodes.defaultText(hostPath, "type", "");
    }

    /** SetDefaults_Container's imagePullPolicy: Always for ":latest" or no tag, IfNotPresent otherwise (digests too). */
    static String defaultPullPolicy(String image) {
        if (image.contains("@")) return "IfNotPresent";
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) return "Always";
        return image.substring(colon + 1).equals("latest") ? "Always" : "IfNotPresent";
    }

    /** DefaultTolerationSeconds admission: tolerate not-ready/unreachable NoExecute for 300 s unless already tolerated. */
    static void defaultTolerations(ObjectNode spec) {
        ArrayNode tol = Nodes.arrOrNull(spec, "tolerations");
        boolean notReady = false, unreachable = false;
        if (tol != null) for (JsonNode t : tol) {
            String key = Nodes.text(t, "key"), effect = Nodes.text(t, "effect"), op = Nodes.text(t, "operator");
            boolean anyKey = key.isEmpty() && op.equals("Exists");
            boolean effectOk = effect.isEmpty() || effect.equals("NoExecute");
            if (effectOk && (anyKey || key.equals("node.kubernetes.io/not-ready"))) notReady = true;
            if (effectOk && (anyKey || key.equals("node.kubernetes.io/unreachable"))) unreachable = true;
        }
        if (notReady && unreachable) return;
        if (tol == null) tol = spec.putArray("tolerations");
        if (!notReady) tol.addObject().put("key", "node.kubernetes.io/not-ready").put("operator", "Exists").put("effect", "NoExecute").put("tolerationSeconds", 300);
        if (!unreachable) tol.addObject().put("key", "node.kubernetes.io/unreachable").put("operator", "Exists").put("effect", "NoExecute").put("tolerationSeconds", 300);
    }

    // ---------------------------------------------------------------- validation

    /** ValidatePodSpec for the fields the tutorial and kubectl use; {@code path} is "spec" or "spec.template.spec". */
    static void validateSpec(JsonNode spec, String path, Check c) {
        if (spec == null || !spec.isObject()) {
            c.required(path + ".containers", "");
            return;
        }
        Set<String> volumeNames = new HashSet<>();
        ArrayNode vols = Nodes.arrOrNull(spec, "volumes");
        if (vols != null) for (int i = 0; i < vols.size(); i++) {
            JsonNode v = vols.path(i);
            String vp = path + ".volumes[" + i + "]";
            String name = Nodes.text(v, "name");
            if (name.isEmpty()) c.required(vp + ".name", "");
            else {
                c.each(vp + ".name", name, Names.isDNS1123Label(name));
                if (!volumeNames.add(name)) c.add(io.wharf.apiserver.FieldError.duplicate(vp + ".name", Nodes.str(name)));
            }
            int sources = 0;
            for (var it = v.fieldNames(); it.hasNext(); ) if (!it.next().equals("name")) sources++;
            if (sources > 1) c.forbidden(vp, "may not specify more than 1 volume type");
        }
        ArrayNode containers = Nodes.arrOrNull(spec, "containers");
        Set<String> allNames = new HashSet<>();
        ArrayNode inits = Nodes.arrOrNull(spec, "initContainers");
        if (inits != null) for (int i = 0; i < inits.size(); i++)
            validateContainer(inits.path(i), path + ".initContainers[" + i + "]", allNames, volumeNames, c);
        if (containers == null || containers.isEmpty()) c.required(path + ".containers", "");
        else for (int i = 0; i < containers.size(); i++)
            validateContainer(containers.path(i), path + ".containers[" + i + "]", allNames, volumeNames, c);

        String rp = Nodes.text(spec, "restartPolicy");
        if (rp.isEmpty()) c.required(path + ".restartPolicy", "");
        else if (!RESTART_POLICIES.contains(rp)) c.notSupported(path + ".restartPolicy", rp, RESTART_POLICIES);
        String dns = Nodes.text(spec, "dnsPolicy");
        if (dns.isEmpty()) c.required(path + ".dnsPolicy", "");
        else if (!DNS_POLICIES.contains(dns)) c.notSupported(path + ".dnsPolicy", dns, DNS_POLICIES);
        c.nonNegative(spec, "terminationGracePeriodSeconds", path + ".terminationGracePeriodSeconds");
        JsonNode ads = spec.get("activeDeadlineSeconds");
        if (ads != null && ads.isNumber() && ads.asLong() <= 0)
            c.invalid(path + ".activeDeadlineSeconds", Nodes.num(ads.asLong()), "must be between 1 and 2147483647, inclusive");
        c.labels(spec.get("nodeSelector"), path + ".nodeSelector");
        String sa = Nodes.text(spec, "serviceAccountName");
        if (!sa.isEmpty()) for (String m : Names.isDNS1123Subdomain(sa)) c.invalid(path + ".serviceAccountName", sa, m);
        String host = Nodes.text(spec, "hostname");
        if (!host.isEmpty()) c.each(path + ".hostname", host, Names.isDNS1123Label(host));
        String sub = Nodes.text(spec, "subdomain");
        if (!sub.isEmpty()) c.each(path + ".subdomain", sub, Names.isDNS1123Label(sub));
        ArrayNode tol = Nodes.arrOrNull(spec, "tolerations");
        if (tol != null) for (int i = 0; i < tol.size(); i++) validateToleration(tol.path(i), path + ".tolerations[" + i + "]", c);
        ArrayNode ips = Nodes.arrOrNull(spec, "imagePullSecrets");
        if (ips != null) for (int i = 0; i < ips.size(); i++)
            if (Nodes.text(ips.path(i), "name").isEmpty()) c.required(path + ".imagePullSecrets[" + i + "].name", "");
    }

    static void validateToleration(JsonNode t, String p, Check c) {
        String key = Nodes.text(t, "key"), op = Nodes.text(t, "operator"), effect = Nodes.text(t, "effect");
        if (!key.isEmpty()) c.each(p + ".key", key, Names.isQualifiedName(key));
        if (key.isEmpty() && !op.equals("Exists")) c.invalid(p + ".operator", op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
        if (t.has("tolerationSeconds") && !effect.equals("NoExecute"))
            c.invalid(p + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set");
        switch (op) {
            case "", "Equal" -> {
                String v = Nodes.text(t, "value");
                c.each(p + ".operator", v, Names.isValidLabelValue(v));
            }
            case "Exists" -> { if (!Nodes.text(t, "value").isEmpty()) c.invalid(p + ".operator", t.get("value"), "value must be empty when `operator` is 'Exists'"); }
            default -> c.notSupported(p + ".operator", op, List.of("Equal", "Exists"));
        }
        if (!effect.isEmpty() && !TAINT_EFFECTS.contains(effect)) c.notSupported(p + ".effect", effect, TAINT_EFFECTS);
    }

    static void validateContainer(JsonNode ctr, String p, Set<String> names, Set<String> volumes, Check c) {
        String name = Nodes.text(ctr, "name");
        if (name.isEmpty()) c.required(p + ".name", "");
        else {
            c.each(p + ".name", name, Names.isDNS1123Label(name));
            if (!names.add(name)) c.add(io.wharf.apiserver.FieldError.duplicate(p + ".name", Nodes.str(name)));
        }
        if (Nodes.text(ctr, "image").isBlank()) c.required(p + ".image", "");
        String pull = Nodes.text(ctr, "imagePullPolicy");
        if (pull.isEmpty()) c.required(p + ".imagePullPolicy", "");
        else if (!PULL_POLICIES.contains(pull)) c.notSupported(p + ".imagePullPolicy", pull, PULL_POLICIES);
        String tmp = Nodes.text(ctr, "terminationMessagePolicy");
        if (tmp.isEmpty()) c.required(p + ".terminationMessagePolicy", "");
        else if (!TERMINATION_MESSAGE_POLICIES.contains(tmp)) c.notSupported(p + ".terminationMessagePolicy", tmp, TERMINATION_MESSAGE_POLICIES);

        ArrayNode ports = Nodes.arrOrNull(ctr, "ports");
        Set<String> portNames = new HashSet<>();
        if (ports != null) for (int i = 0; i < ports.size(); i++) {
            JsonNode port = ports.path(i);
            String pp = p + ".ports[" + i + "]";
            String pn = Nodes.text(port, "name");
            if (!pn.isEmpty()) {
                c.each(pp + ".name", pn, Names.isValidPortName(pn));
                if (!portNames.add(pn)) c.add(io.wharf.apiserver.FieldError.duplicate(pp + ".name", Nodes.str(pn)));
            }
            long cp = port.path("containerPort").asLong(0);
            if (cp == 0) c.required(pp + ".containerPort", "");
            else for (String m : Names.isValidPortNum(cp)) c.invalid(pp + ".containerPort", Nodes.num(cp), m);
            long hp = port.path("hostPort").asLong(0);
            if (hp != 0) for (String m : Names.isValidPortNum(hp)) c.invalid(pp + ".hostPort", Nodes.num(hp), m);
            String proto = Nodes.text(port, "protocol");
            if (proto.isEmpty()) c.required(pp + ".protocol", "");
            else if (!PROTOCOLS.contains(proto)) c.notSupported(pp + ".protocol", proto, PROTOCOLS);
        }
        ArrayNode env = Nodes.arrOrNull(ctr, "env");
        if (env != null) for (int i = 0; i < env.size(); i++) {
            String en = Nodes.text(env.path(i), "name");
            String ep = p + ".env[" + i + "].name";
            if (en.isEmpty()) c.required(ep, "");
            else c.each(ep, en, Names.isEnvVarName(en));
            JsonNode vf = env.path(i).get("valueFrom");
            if (vf != null && env.path(i).has("value") && !Nodes.text(env.path(i), "value").isEmpty())
                c.invalid(p + ".env[" + i + "].valueFrom", "", "may not be specified when `value` is not empty");
        }
        ArrayNode mounts = Nodes.arrOrNull(ctr, "volumeMounts");
        if (mounts != null) for (int i = 0; i < mounts.size(); i++) {
            JsonNode m = mounts.path(i);
            String mp = p + ".volumeMounts[" + i + "]";
            String vn = Nodes.text(m, "name");
            if (vn.isEmpty()) c.required(mp + ".name", "");
            else if (!volumes.contains(vn)) c.add(io.wharf.apiserver.FieldError.notFound(mp + ".name", Nodes.str(vn)));
            if (Nodes.text(m, "mountPath").isEmpty()) c.required(mp + ".mountPath", "");
        }
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            JsonNode pr = ctr.get(probe);
            if (pr != null && pr.isObject()) validateProbe(pr, p + "." + probe, c);
        }
        validateResources(ctr.get("resources"), p + ".resources", c);
    }

    static void validateProbe(JsonNode pr, String p, Check c) {
        for (String f : List.of("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"))
            c.nonNegative(pr, f, p + "." + f);
        int handlers = 0;
        for (String h : List.of("exec", "httpGet", "tcpSocket", "grpc")) if (pr.has(h) && !pr.get(h).isNull()) handlers++;
        if (handlers == 0) c.required(p, "must specify a handler type");
        else if (handlers > 1) c.forbidden(p, "may not specify more than 1 handler type");
        JsonNode http = pr.get("httpGet");
        if (http != null && http.isObject()) validatePortRef(http.get("port"), p + ".httpGet.port", c);
        JsonNode tcp = pr.get("tcpSocket");
        if (tcp != null && tcp.isObject()) validatePortRef(tcp.get("port"), p + ".tcpSocket.port", c);
    }

    /** An IntOrString port: a number in 1-65535 or an IANA service name. */
    static void validatePortRef(JsonNode port, String p, Check c) {
        if (port == null || port.isNull()) { c.required(p, ""); return; }
        if (port.isNumber()) for (String m : Names.isValidPortNum(port.asLong())) c.invalid(p, Nodes.num(port.asLong()), m);
        else c.each(p, port.asText(), Names.isValidPortName(port.asText()));
    }

    /** ValidateResourceRequirements: quantities parse, are non-negative, and requests do not exceed limits. */
    static void validateResources(JsonNode res, String p, Check c) {
        if (res == null || !res.isObject()) return;
        java.util.Map<String, Quantity> limits = new java.util.HashMap<>();
        for (String kind : List.of("limits", "requests")) {
            JsonNode m = res.get(kind);
            if (m == null || !m.isObject()) continue;
            final String k = kind;
            Nodes.forEachField(m, (name, v) -> {
                String fp = p + "." + k + "[" + name + "]";
                c.each(fp, name, Names.isQualifiedName(name));
                if (!name.contains("/") && !name.equals("cpu") && !name.equals("memory") && !name.equals("ephemeral-storage")
                        && !name.startsWith("hugepages-"))
                    c.invalid(fp, name, "must be a standard resource for containers");
                Quantity q;
                try {
                    q = Quantity.parse(v.asText());
                } catch (IllegalArgumentException e) {
                    c.invalid(fp, v.asText(), e.getMessage());
                    return;
                }
                if (q.signum() < 0) c.invalid(fp, q.toString(), "must be greater than or equal to 0");
                if (k.equals("limits")) limits.put(name, q);
                else {
                    Quantity lim = limits.get(name);
                    if (lim != null && q.compareTo(lim) > 0)
                        c.invalid(p + ".requests", q.toString(), "must be less than or equal to " + name + " limit of " + lim);
                }
            });
        }
    }

    /** The QoS class of a pod (pkg/apis/core/helper/qos.GetPodQOS), set in status at create. */
    static String qosClass(JsonNode spec) {
        boolean anyRequestOrLimit = false, guaranteed = true;
        for (String list : List.of("initContainers", "containers")) {
            ArrayNode cs = Nodes.arrOrNull(spec, list);
            if (cs == null) continue;
            for (JsonNode ctr : cs) {
                JsonNode res = ctr.get("resources");
                JsonNode req = res == null ? null : res.get("requests");
                JsonNode lim = res == null ? null : res.get("limits");
                boolean hasCpuMemReq = req != null && (req.has("cpu") || req.has("memory"));
                boolean hasCpuMemLim = lim != null && (lim.has("cpu") || lim.has("memory"));
                if (hasCpuMemReq || hasCpuMemLim) anyRequestOrLimit = true;
                for (String r : List.of("cpu", "memory")) {
                    if (lim == null || !lim.has(r)) { guaranteed = false; continue; }
                    if (req != null && req.has(r)) {
                        try {
                            if (Quantity.parse(req.get(r).asText()).compareTo(Quantity.parse(lim.get(r).asText())) != 0) guaranteed = false;
                        } catch (IllegalArgumentException e) { guaranteed = false; }
                    }
                }
            }
        }
        if (!anyRequestOrLimit) return "BestEffort";
        return guaranteed ? "Guaranteed" : "Burstable";
    }

    /** Pod template: labels syntax plus spec validation (ValidatePodTemplateSpec). */
    static void validateTemplate(JsonNode template, String path, Check c) {
        if (template == null || !template.isObject()) {
            c.required(path, "");
            return;
        }
        JsonNode md = template.get("metadata");
        if (md != null) {
            c.labels(md.get("labels"), path + ".metadata.labels");
        }
        validateSpec(template.get("spec"), path + ".spec", c);
    }

    static void defaultTemplate(ObjectNode owner, String... path) {
        ObjectNode n = owner;
        for (String p : path) {
            n = Nodes.objOrNull(n, p);
            if (n == null) return;
        }
        ObjectNode spec = Nodes.objOrNull(n, "spec");
        if (spec != null) defaultSpec(spec);
    }
}
