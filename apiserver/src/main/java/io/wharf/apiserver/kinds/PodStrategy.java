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

    @Override
    public void prepareForCreate(ObjectNode obj) {
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
