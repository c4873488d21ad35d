package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** core/v1 Pod: defaults, the DefaultTolerationSeconds and ServiceAccount admission defaults, validation, printPod. */
final class PodStrategy implements ResourceStrategy {
    static final String SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    private static final String SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final boolean serviceAccountTokenVolume;

    PodStrategy() { this(false); }

    /**
     * @param serviceAccountTokenVolume whether the ServiceAccount admission adds the projected kube-api-access-xxxxx
     *                                  volume and its mounts, as Kubernetes does (needs a node agent that serves
     *                                  projected serviceAccountToken/configMap/downwardAPI volumes)
     */
    PodStrategy(boolean serviceAccountTokenVolume) { this.serviceAccountTokenVolume = serviceAccountTokenVolume; }

    @Override
    public void applyDefaults(ObjectNode obj) {
        ObjectNode spec = Nodes.obj(obj, "spec");
        PodSpecs.defaultSpec(spec);
        PodSpecs.defaultPodOnly(spec);
        // Admission (ServiceAccount, Priority, DefaultTolerationSeconds), which kube-apiserver runs on every pod create.
        Nodes.defaultText(spec, "serviceAccountName", "default");
        Nodes.defaultText(spec, "serviceAccount", Nodes.text(spec, "serviceAccountName"));
        Nodes.defaultInt(spec, "priority", 0);
        Nodes.defaultText(spec, "preemptionPolicy", "PreemptLowerPriority");
        PodSpecs.defaultTolerations(spec);
    }

    /**
     * The Priority admission plugin: a pod's priority comes from its PriorityClass (or the global default class). Done
     * here because it needs to read PriorityClasses; a missing class is refused, as Kubernetes does.
     */
    @Override
    public List<FieldError> allocate(ObjectNode n, ObjectNode o, io.wharf.apiserver.ObjectReader objects) {
        if (o != null) return List.of();
        ObjectNode spec = Nodes.obj(n, "spec");
        List<FieldError> limitErrors = applyLimitRanges(n, spec, objects);
        if (!limitErrors.isEmpty()) return limitErrors;
        String pcName = Nodes.text(spec, "priorityClassName");
        JsonNode pc = null;
        if (!pcName.isEmpty()) {
            pc = objects.get(BuiltinTypes.PRIORITYCLASSES, null, pcName).orElse(null);
            if (pc == null) return List.of(FieldError.notFound("spec.priorityClassName", Nodes.str(pcName)));
        } else {
            for (JsonNode c : objects.list(BuiltinTypes.PRIORITYCLASSES, null))
                if (c.path("globalDefault").asBoolean(false) && (pc == null || c.path("value").asLong() < pc.path("value").asLong())) pc = c;
            if (pc != null) spec.put("priorityClassName", Nodes.meta(pc, "name"));
        }
        if (pc != null) {
            spec.put("priority", pc.path("value").asLong(0));
            String pp = Nodes.text(pc, "preemptionPolicy");
            if (!pp.isEmpty()) spec.put("preemptionPolicy", pp);
        }
        return List.of();
    }

    /**
     * The LimitRanger admission plugin: container limits and requests default from the namespace's LimitRanges
     * ({@code default}, {@code defaultRequest}), then must lie within their {@code min}/{@code max}. Kubernetes answers a
     * violation with 403 Forbidden; here it is a field error carrying the same text.
     */
    static List<FieldError> applyLimitRanges(ObjectNode pod, ObjectNode spec, io.wharf.apiserver.ObjectReader objects) {
        List<ObjectNode> ranges = objects.list(BuiltinTypes.LIMITRANGES, Nodes.meta(pod, "namespace"));
        if (ranges.isEmpty()) return List.of();
        List<FieldError> errs = new ArrayList<>();
        for (ObjectNode lr : ranges) for (JsonNode item : lr.path("spec").path("limits")) {
            if (!Nodes.text(item, "type").equals("Container")) continue;
            for (String list : List.of("initContainers", "containers")) {
                ArrayNode cs = Nodes.arrOrNull(spec, list);
                if (cs == null) continue;
                for (int i = 0; i < cs.size(); i++) {
                    if (!(cs.get(i) instanceof ObjectNode ctr)) continue;
                    ObjectNode res = Nodes.obj(ctr, "resources");
                    ObjectNode limits = Nodes.obj(res, "limits"), requests = Nodes.obj(res, "requests");
                    Nodes.forEachField(item.get("default"), (k, v) -> { if (!limits.has(k)) limits.set(k, v.deepCopy()); });
                    Nodes.forEachField(item.get("defaultRequest"), (k, v) -> { if (!requests.has(k)) requests.set(k, v.deepCopy()); });
                    if (limits.isEmpty()) res.remove("limits");
                    if (requests.isEmpty()) res.remove("requests");
                    String cname = Nodes.text(ctr, "name");
                    String path = "spec." + list + "[" + i + "].resources";
                    Nodes.forEachField(item.get("max"), (k, v) -> {
                        Quantity max = q(v), lim = q(limits.get(k));
                        if (max == null) return;
                        if (lim == null) errs.add(FieldError.forbidden(path + ".limits", "maximum " + k + " usage per Container is " + max + ".  No limit is specified"));
                        else if (lim.compareTo(max) > 0) errs.add(FieldError.forbidden(path + ".limits", "maximum " + k + " usage per Container is " + max + ", but limit is " + lim));
                    });
                    Nodes.forEachField(item.get("min"), (k, v) -> {
                        Quantity min = q(v), req = q(requests.get(k));
                        if (min == null) return;
                        if (req == null) errs.add(FieldError.forbidden(path + ".requests", "minimum " + k + " usage per Container is " + min + ".  No request is specified"));
                        else if (req.compareTo(min) < 0) errs.add(FieldError.forbidden(path + ".requests", "minimum " + k + " usage per Container is " + min + ", but request is " + req));
                    });
                }
            }
        }
        if (errs.isEmpty()) Nodes.obj(pod, "status").put("qosClass", PodSpecs.qosClass(spec));
        return errs;
    }

    private static Quantity q(JsonNode v) {
        if (v == null || v.isNull()) return null;
        try { return Quantity.parse(v.asText()); } catch (IllegalArgumentException e) { return null; }
    }

    /** ServiceAccount admission's token volume: kube-api-access-xxxxx mounted read-only in every container. */
    static void addServiceAccountTokenVolume(ObjectNode spec) {
        if (!spec.path("automountServiceAccountToken").asBoolean(true)) return;
        ArrayNode vols = Nodes.arrOrNull(spec, "volumes");
        if (vols != null) for (JsonNode v : vols) if (Nodes.text(v, "name").startsWith("kube-api-access-")) return;
        StringBuilder name = new StringBuilder("kube-api-access-");
        java.util.concurrent.ThreadLocalRandom r = java.util.concurrent.ThreadLocalRandom.current();
        for (int i = 0; i < 5; i++) name.append(SUFFIX_ALPHABET.charAt(r.nextInt(SUFFIX_ALPHABET.length())));
        if (vols == null) vols = spec.putArray("volumes");
        ObjectNode projected = vols.addObject().put("name", name.toString()).putObject("projected");
        projected.put("defaultMode", 420);
        ArrayNode sources = projected.putArray("sources");
        sources.addObject().putObject("serviceAccountToken").put("expirationSeconds", 3607).put("path", "token");
        ObjectNode cm = sources.addObject().putObject("configMap");
        cm.putArray("items").addObject().put("key", "ca.crt").put("path", "ca.crt");
        cm.put("name", "kube-root-ca.crt");
        sources.addObject().putObject("downwardAPI").putArray("items").addObject()
                .put("path", "namespace").putObject("fieldRef").put("apiVersion", "v1").put("fieldPath", "metadata.namespace");
        for (String list : List.of("initContainers", "containers")) {
            ArrayNode cs = Nodes.arrOrNull(spec, list);
            if (cs == null) continue;
            for (JsonNode c : cs) {
                if (!(c instanceof ObjectNode co)) continue;
                ArrayNode mounts = Nodes.arrOrNull(co, "volumeMounts");
                boolean taken = false;
                if (mounts != null) for (JsonNode m : mounts) if (Nodes.text(m, "mountPath").equals(SA_MOUNT_PATH)) taken = true;
                if (taken) continue;
                if (mounts == null) mounts = co.putArray("volumeMounts");
                mounts.addObject().put("mountPath", SA_MOUNT_PATH).put("name", name.toString()).put("readOnly", true);
            }
        }
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        if (serviceAccountTokenVolume) addServiceAccountTokenVolume(Nodes.obj(obj, "spec"));
        ObjectNode status = obj.putObject("status");
        status.put("phase", "Pending");
        status.put("qosClass", PodSpecs.qosClass(obj.path("spec")));
    }

    @Override
    public void prepareForUpdate(ObjectNode newObj, ObjectNode old) {
        if (old.has("status")) newObj.set("status", old.get("status").deepCopy());
    }

    @Override
    public List<FieldError> validateCreate(ObjectNode obj) {
        Check c = new Check();
        PodSpecs.validateSpec(obj.get("spec"), "spec", c);
        return c.done();
    }

    /** Pod updates may change only images, activeDeadlineSeconds, tolerations (additions) and a negative grace period. */
    @Override
    public List<FieldError> validateUpdate(ObjectNode newObj, ObjectNode old) {
        Check c = new Check();
        PodSpecs.validateSpec(newObj.get("spec"), "spec", c);
        if (!c.errors.isEmpty()) return c.done();
        ObjectNode a = mutableView(newObj.path("spec")), b = mutableView(old.path("spec"));
        if (!a.equals(b)) {
            c.forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");
        }
        ArrayNode oldTol = Nodes.arrOrNull(old.path("spec"), "tolerations");
        ArrayNode newTol = Nodes.arrOrNull(newObj.path("spec"), "tolerations");
        if (oldTol != null) for (JsonNode t : oldTol) {
            boolean kept = false;
            if (newTol != null) for (JsonNode n : newTol) if (n.equals(t)) { kept = true; break; }
            if (!kept) { c.forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"); break; }
        }
        return c.done();
    }

    /** The spec without the fields an update may change. */
    private static ObjectNode mutableView(JsonNode spec) {
        ObjectNode s = spec.isObject() ? ((ObjectNode) spec).deepCopy() : Nodes.F.objectNode();
        for (String list : List.of("containers", "initContainers")) {
            ArrayNode cs = Nodes.arrOrNull(s, list);
            if (cs != null) for (JsonNode ctr : cs) if (ctr instanceof ObjectNode co) co.remove("image");
        }
        s.remove("activeDeadlineSeconds");
        s.remove("tolerations");
        if (s.path("terminationGracePeriodSeconds").asLong(0) < 0) s.remove("terminationGracePeriodSeconds");
        return s;
    }

    @Override
    public List<String> selectableFields() {
        return List.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName");
    }

    @Override
    public List<TableColumn> tableColumns() {
        return List.of(TableColumn.NAME,
                Printing.col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                Printing.col("Status", "string", "The aggregate status of the containers in this pod."),
                Printing.col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
                TableColumn.AGE,
                Printing.wide("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."),
                Printing.wide("Node", "string", "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements."),
                Printing.wide("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods."),
                Printing.wide("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\""));
    }

    @Override
    public List<Object> tableRow(ObjectNode pod) {
        JsonNode spec = pod.path("spec"), status = pod.path("status");
        int restarts = 0, restartableInitRestarts = 0;
        int total = spec.path("containers").size();
        int ready = 0;
        String lastRestart = "", lastRestartableInit = "";
        String phase = Nodes.text(status, "phase");
        String reason = Nodes.text(status, "reason").isEmpty() ? phase : Nodes.text(status, "reason");
        for (JsonNode cond : status.path("conditions"))
            if (Nodes.text(cond, "type").equals("PodScheduled") && Nodes.text(cond, "reason").equals("SchedulingGated")) reason = "SchedulingGated";
        Map<String, JsonNode> inits = new HashMap<>();
        int initCount = spec.path("initContainers").size();
        for (JsonNode ic : spec.path("initContainers")) {
            inits.put(Nodes.text(ic, "name"), ic);
            if (restartable(ic)) total++;
        }
        boolean initializing = false;
        JsonNode ics = status.path("initContainerStatuses");
        for (int i = 0; i < ics.size(); i++) {
            JsonNode cs = ics.path(i);
            restarts += cs.path("restartCount").asInt(0);
            String fin = Printing.str(cs, "lastState", "terminated", "finishedAt");
            if (!fin.isEmpty() && fin.compareTo(lastRestart) > 0) lastRestart = fin;
            boolean isRestartable = restartable(inits.get(Nodes.text(cs, "name")));
            if (isRestartable) {
                restartableInitRestarts += cs.path("restartCount").asInt(0);
                if (!fin.isEmpty() && fin.compareTo(lastRestartableInit) > 0) lastRestartableInit = fin;
            }
            JsonNode term = cs.path("state").get("terminated");
            JsonNode wait = cs.path("state").get("waiting");
            if (term != null && term.path("exitCode").asInt(0) == 0) continue;
            if (isRestartable && cs.path("started").asBoolean(false)) {
                if (cs.path("ready").asBoolean(false)) ready++;
                continue;
            }
            if (term != null) {
                String r = Nodes.text(term, "reason");
                if (r.isEmpty()) reason = term.path("signal").asInt(0) != 0 ? "Init:Signal:" + term.path("signal").asInt() : "Init:ExitCode:" + term.path("exitCode").asInt();
                else reason = "Init:" + r;
            } else if (wait != null && !Nodes.text(wait, "reason").isEmpty() && !Nodes.text(wait, "reason").equals("PodInitializing")) {
                reason = "Init:" + Nodes.text(wait, "reason");
            } else {
                reason = "Init:" + i + "/" + initCount;
            }
            initializing = true;
            break;
        }
        if (!initializing || conditionTrue(status, "Initialized")) {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInit;
            boolean hasRunning = false;
            JsonNode css = status.path("containerStatuses");
            for (int i = css.size() - 1; i >= 0; i--) {
                JsonNode cs = css.path(i);
                restarts += cs.path("restartCount").asInt(0);
                String fin = Printing.str(cs, "lastState", "terminated", "finishedAt");
                if (!fin.isEmpty() && fin.compareTo(lastRestart) > 0) lastRestart = fin;
                JsonNode st = cs.path("state");
                JsonNode wait = st.get("waiting"), term = st.get("terminated");
                if (wait != null && !Nodes.text(wait, "reason").isEmpty()) reason = Nodes.text(wait, "reason");
                else if (term != null && !Nodes.text(term, "reason").isEmpty()) reason = Nodes.text(term, "reason");
                else if (term != null) reason = term.path("signal").asInt(0) != 0 ? "Signal:" + term.path("signal").asInt() : "ExitCode:" + term.path("exitCode").asInt();
                else if (cs.path("ready").asBoolean(false) && st.has("running")) { hasRunning = true; ready++; }
            }
            if (reason.equals("Completed") && hasRunning) reason = conditionTrue(status, "Ready") ? "Running" : "NotReady";
        }
        boolean deleting = !Nodes.meta(pod, "deletionTimestamp").isEmpty();
        if (deleting && Nodes.text(status, "reason").equals("NodeLost")) reason = "Unknown";
        else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) reason = "Terminating";
        String restartsStr = Integer.toString(restarts);
        if (restarts != 0 && !lastRestart.isEmpty()) restartsStr = restarts + " (" + Printing.since(lastRestart) + " ago)";

        List<Object> row = new ArrayList<>();
        row.add(Printing.name(pod));
        row.add(ready + "/" + total);
        row.add(reason);
        row.add(restartsStr);
        row.add(Printing.age(pod));
        String ip = "";
        if (status.path("podIPs").size() > 0) ip = Nodes.text(status.path("podIPs").path(0), "ip");
        if (ip.isEmpty()) ip = Nodes.text(status, "podIP");
        row.add(Printing.orNone(ip));
        row.add(Printing.orNone(Nodes.text(spec, "nodeName")));
        row.add(Printing.orNone(Nodes.text(status, "nominatedNodeName")));
        String gates = "<none>";
        JsonNode rg = spec.path("readinessGates");
        if (rg.size() > 0) {
            int t = 0;
            for (JsonNode g : rg) {
                for (JsonNode cond : status.path("conditions"))
                    if (Nodes.text(cond, "type").equals(Nodes.text(g, "conditionType"))) {
                        if (Nodes.text(cond, "status").equals("True")) t++;
                        break;
                    }
            }
            gates = t + "/" + rg.size();
        }
        row.add(gates);
        return row;
    }

    private static boolean restartable(JsonNode initContainer) {
        return initContainer != null && Nodes.text(initContainer, "restartPolicy").equals("Always");
    }

    private static boolean conditionTrue(JsonNode status, String type) {
        for (JsonNode cond : status.path("conditions"))
            if (Nodes.text(cond, "type").equals(type)) return Nodes.text(cond, "status").equals("True");
        return false;
    }
}
