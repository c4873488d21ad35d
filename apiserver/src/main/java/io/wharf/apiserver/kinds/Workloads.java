package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.util.ArrayList;
import java.util.List;

/** apps/v1: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision (pkg/apis/apps/v1/defaults.go, validation). */
final class Workloads {
    private Workloads() {}

    /** The selector and template checks every controller shares (ValidatePodTemplateSpecForReplicaSet and friends). */
    static void validateSelectorAndTemplate(JsonNode spec, String kindWord, Check c) {
        JsonNode sel = spec.get("selector");
        boolean nil = sel == null || sel.isNull();
        if (nil) c.required("spec.selector", "");
        else {
            c.labelSelector(sel, "spec.selector");
            if (Check.selectorEmpty(sel)) c.invalid("spec.selector", Nodes.raw(Nodes.goLabelSelector(sel)), "empty selector is invalid for " + kindWord);
        }
        JsonNode template = spec.get("template");
        if (template == null || template.isNull()) {
            c.required("spec.template", "");
            return;
        }
        JsonNode labels = template.path("metadata").get("labels");
        if (nil || !Check.selectorEmpty(sel)) {
            if (nil || !Check.selectorMatches(sel, labels))
                c.invalid("spec.template.metadata.labels", Nodes.raw(Nodes.goStringMap(labels)), "`selector` does not match template `labels`");
        }
        PodSpecs.validateTemplate(template, "spec.template", c);
    }

    static void requireRestartAlways(JsonNode spec, Check c) {
        String rp = spec.path("template").path("spec").path("restartPolicy").asText("");
        if (!rp.isEmpty() && !rp.equals("Always")) c.notSupported("spec.template.spec.restartPolicy", rp, List.of("Always"));
        if (spec.path("template").path("spec").has("activeDeadlineSeconds"))
            c.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported");
    }

    /** Update rules of the workloads whose only immutable field is the selector: the create rules plus that one. */
    static List<FieldError> withImmutableSelector(List<FieldError> createErrors, ObjectNode n, ObjectNode o) {
        List<FieldError> errs = new ArrayList<>(createErrors);
        Check c = new Check();
        immutableSelector(n, o, c);
        errs.addAll(c.done());
        return errs;
    }

    static void immutableSelector(ObjectNode n, ObjectNode o, Check c) {
        JsonNode ns = n.path("spec").get("selector"), os = o.path("spec").get("selector");
        if (os != null && !os.equals(ns)) c.invalid("spec.selector", Nodes.raw(Nodes.goLabelSelector(ns)), "field is immutable");
    }

    /** IntOrString "25%" or a non-negative integer (ValidatePositiveIntOrPercent + IsNotMoreThan100Percent). */
    static void intOrPercent(JsonNode v, String path, Check c) {
        if (v == null || v.isNull()) return;
        if (v.isTextual()) {
            String s = v.asText();
            if (!s.matches("^[0-9]+%$")) c.invalid(path, s, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
            else if (Long.parseLong(s.substring(0, s.length() - 1)) > 100) c.invalid(path, s, "must not be greater than 100%");
        } else if (v.asLong() < 0) c.invalid(path, Nodes.num(v.asLong()), "must be greater than or equal to 0");
    }

    static boolean isZero(JsonNode v) {
        if (v == null || v.isNull()) return false;
        return v.isTextual() ? v.asText().equals("0%") || v.asText().equals("0") : v.asLong() == 0;
    }

    static List<Object> startRow(ObjectNode o) {
        List<Object> row = new ArrayList<>();
        row.add(Printing.name(o));
        return row;
    }

    static void addWide(List<Object> row, JsonNode spec) {
        row.addAll(Printing.containersAndImages(spec.path("template").path("spec")));
        row.add(Printing.selector(spec.get("selector")));
    }

    static void clearStatus(ObjectNode obj) { obj.putObject("status"); }

    // ------------------------------------------------------------------------------------------------ Deployment
    static final class DeploymentStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultInt(spec, "replicas", 1);
            ObjectNode strategy = Nodes.obj(spec, "strategy");
            Nodes.defaultText(strategy, "type", "RollingUpdate");
            if (Nodes.text(strategy, "type").equals("RollingUpdate")) {
                ObjectNode ru = Nodes.obj(strategy, "rollingUpdate");
                if (Nodes.absent(ru, "maxUnavailable")) ru.put("maxUnavailable", "25%");
                if (Nodes.absent(ru, "maxSurge")) ru.put("maxSurge", "25%");
            }
            Nodes.defaultInt(spec, "revisionHistoryLimit", 10);
            Nodes.defaultInt(spec, "progressDeadlineSeconds", 600);
            PodSpecs.defaultTemplate(spec, "template");
        }

        @Override public void prepareForCreate(ObjectNode obj) { clearStatus(obj); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.nonNegative(spec, "replicas", "spec.replicas");
            validateSelectorAndTemplate(spec, "deployment", c);
            requireRestartAlways(spec, c);
            JsonNode strategy = spec.path("strategy");
            String type = Nodes.text(strategy, "type");
            if (!type.equals("Recreate") && !type.equals("RollingUpdate")) c.notSupported("spec.strategy.type", type, List.of("Recreate", "RollingUpdate"));
            else if (type.equals("Recreate") && strategy.has("rollingUpdate") && !strategy.get("rollingUpdate").isNull())
                c.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
            else if (type.equals("RollingUpdate")) {
                JsonNode ru = strategy.path("rollingUpdate");
                intOrPercent(ru.get("maxUnavailable"), "spec.strategy.rollingUpdate.maxUnavailable", c);
                intOrPercent(ru.get("maxSurge"), "spec.strategy.rollingUpdate.maxSurge", c);
                if (isZero(ru.get("maxUnavailable")) && isZero(ru.get("maxSurge")))
                    c.invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.get("maxUnavailable").asText(), "may not be 0 when `maxSurge` is 0");
            }
            c.nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
            c.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds");
            if (spec.has("progressDeadlineSeconds")) {
                long pds = spec.path("progressDeadlineSeconds").asLong();
                c.nonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds");
                if (pds <= spec.path("minReadySeconds").asLong(0))
                    c.invalid("spec.progressDeadlineSeconds", Nodes.num(pds), "must be greater than minReadySeconds");
            }
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            return withImmutableSelector(validateCreate(n), n, o);
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Ready", "string", "Number of the pod with ready state"),
                    Printing.col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                    Printing.col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES, Printing.SELECTOR);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = startRow(o);
            row.add(st.path("readyReplicas").asLong(0) + "/" + spec.path("replicas").asLong(0));
            row.add(st.path("updatedReplicas").asLong(0));
            row.add(st.path("availableReplicas").asLong(0));
            row.add(Printing.age(o));
            addWide(row, spec);
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ ReplicaSet
    static final class ReplicaSetStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultInt(spec, "replicas", 1);
            PodSpecs.defaultTemplate(spec, "template");
        }

        @Override public void prepareForCreate(ObjectNode obj) { clearStatus(obj); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.nonNegative(spec, "replicas", "spec.replicas");
            c.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds");
            validateSelectorAndTemplate(spec, "deployment", c);
            requireRestartAlways(spec, c);
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            return withImmutableSelector(validateCreate(n), n, o);
        }

        /** ReplicaSetToSelectableFields. */
        @Override
        public List<String> selectableFields() { return List.of("status.replicas"); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1."),
                    Printing.col("Current", "integer", "Replicas is the most recently observed number of replicas."),
                    Printing.col("Ready", "integer", "The number of ready replicas for this replica set."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES, Printing.SELECTOR);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = startRow(o);
            row.add(spec.path("replicas").asLong(0));
            row.add(st.path("replicas").asLong(0));
            row.add(st.path("readyReplicas").asLong(0));
            row.add(Printing.age(o));
            addWide(row, spec);
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ ReplicationController
    /**
     * core/v1 ReplicationController: stored and served only (no replication manager runs). Its selector is a plain label
     * map that SetDefaults_ReplicationController fills from the template labels, as it does the object's own labels.
     */
    static final class ReplicationControllerStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            JsonNode labels = spec.path("template").path("metadata").get("labels");
            if (labels != null && labels.isObject() && !labels.isEmpty()) {
                if (spec.path("selector").isEmpty()) spec.set("selector", labels.deepCopy());
                if (obj.path("metadata").path("labels").isEmpty()) Nodes.obj(obj, "metadata").set("labels", labels.deepCopy());
            }
            Nodes.defaultInt(spec, "replicas", 1);
            PodSpecs.defaultTemplate(spec, "template");
        }

        @Override public void prepareForCreate(ObjectNode obj) { clearStatus(obj); }

        /** ValidateReplicationControllerSpec. */
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.nonNegative(spec, "replicas", "spec.replicas");
            c.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds");
            JsonNode sel = spec.get("selector");
            if (sel == null || sel.isNull() || sel.isEmpty()) c.required("spec.selector", "");
            else c.labels(sel, "spec.selector");
            JsonNode template = spec.get("template");
            if (template == null || template.isNull()) c.required("spec.template", "");
            else {
                JsonNode labels = template.path("metadata").path("labels");
                if (labels.isEmpty()) c.required("spec.template.metadata.labels", "");
                if (sel != null && sel.isObject() && !sel.isEmpty()) {
                    boolean[] matches = {true};
                    Nodes.forEachField(sel, (k, v) -> { if (!v.asText().equals(labels.path(k).asText(null))) matches[0] = false; });
                    if (!matches[0]) c.invalid("spec.template.metadata.labels", Nodes.raw(Nodes.goStringMap(labels)), "`selector` does not match template `labels`");
                }
                PodSpecs.validateTemplate(template, "spec.template", c);
                requireRestartAlways(spec, c);
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        /** ControllerToSelectableFields. */
        @Override public List<String> selectableFields() { return List.of("status.replicas"); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
                    Printing.col("Current", "integer", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
                    Printing.col("Ready", "integer", "The number of ready replicas for this replication controller."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES,
                    Printing.wide("Selector", "string", "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = startRow(o);
            row.add(spec.path("replicas").asLong(0));
            row.add(st.path("replicas").asLong(0));
            row.add(st.path("readyReplicas").asLong(0));
            row.add(Printing.age(o));
            row.addAll(Printing.containersAndImages(spec.path("template").path("spec")));
            row.add(Printing.labelMap(spec.get("selector")));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ DaemonSet
    static final class DaemonSetStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            ObjectNode us = Nodes.obj(spec, "updateStrategy");
            Nodes.defaultText(us, "type", "RollingUpdate");
            if (Nodes.text(us, "type").equals("RollingUpdate")) {
                ObjectNode ru = Nodes.obj(us, "rollingUpdate");
                if (Nodes.absent(ru, "maxUnavailable")) ru.put("maxUnavailable", 1);
                if (Nodes.absent(ru, "maxSurge")) ru.put("maxSurge", 0);
            }
            Nodes.defaultInt(spec, "revisionHistoryLimit", 10);
            PodSpecs.defaultTemplate(spec, "template");
        }

        @Override public void prepareForCreate(ObjectNode obj) { clearStatus(obj); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            validateSelectorAndTemplate(spec, "daemonset", c);
            String rp = spec.path("template").path("spec").path("restartPolicy").asText("");
            if (!rp.isEmpty() && !rp.equals("Always")) c.notSupported("spec.template.spec.restartPolicy", rp, List.of("Always"));
            String type = Nodes.text(spec.path("updateStrategy"), "type");
            if (!type.equals("OnDelete") && !type.equals("RollingUpdate")) c.notSupported("spec.updateStrategy.type", type, List.of("RollingUpdate", "OnDelete"));
            c.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds");
            c.nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit");
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            return withImmutableSelector(validateCreate(n), n, o);
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Desired", "integer", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
                    Printing.col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
                    Printing.col("Ready", "integer", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
                    Printing.col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
                    Printing.col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
                    Printing.col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES, Printing.SELECTOR);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = startRow(o);
            row.add(st.path("desiredNumberScheduled").asLong(0));
            row.add(st.path("currentNumberScheduled").asLong(0));
            row.add(st.path("numberReady").asLong(0));
            row.add(st.path("updatedNumberScheduled").asLong(0));
            row.add(st.path("numberAvailable").asLong(0));
            row.add(Printing.labelMap(spec.path("template").path("spec").get("nodeSelector")));
            row.add(Printing.age(o));
            addWide(row, spec);
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ StatefulSet
    static final class StatefulSetStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            Nodes.defaultInt(spec, "replicas", 1);
            Nodes.defaultText(spec, "podManagementPolicy", "OrderedReady");
            ObjectNode us = Nodes.obj(spec, "updateStrategy");
            Nodes.defaultText(us, "type", "RollingUpdate");
            if (Nodes.text(us, "type").equals("RollingUpdate")) {
                ObjectNode ru = Nodes.obj(us, "rollingUpdate");
                Nodes.defaultInt(ru, "partition", 0);
            }
            Nodes.defaultInt(spec, "revisionHistoryLimit", 10);
            ObjectNode pvc = Nodes.obj(spec, "persistentVolumeClaimRetentionPolicy");
            Nodes.defaultText(pvc, "whenDeleted", "Retain");
            Nodes.defaultText(pvc, "whenScaled", "Retain");
            PodSpecs.defaultTemplate(spec, "template");
        }

        @Override
        public void prepareForCreate(ObjectNode obj) {
            obj.putObject("status").put("replicas", 0).put("availableReplicas", 0);
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.nonNegative(spec, "replicas", "spec.replicas");
            validateSelectorAndTemplate(spec, "statefulset", c);
            String rp = spec.path("template").path("spec").path("restartPolicy").asText("");
            if (!rp.isEmpty() && !rp.equals("Always")) c.notSupported("spec.template.spec.restartPolicy", rp, List.of("Always"));
            String pmp = Nodes.text(spec, "podManagementPolicy");
            if (!pmp.equals("OrderedReady") && !pmp.equals("Parallel")) c.notSupported("spec.podManagementPolicy", pmp, List.of("OrderedReady", "Parallel"));
            String type = Nodes.text(spec.path("updateStrategy"), "type");
            if (!type.equals("OnDelete") && !type.equals("RollingUpdate")) c.notSupported("spec.updateStrategy.type", type, List.of("RollingUpdate", "OnDelete"));
            String sn = Nodes.text(spec, "serviceName");
            if (!sn.isEmpty()) c.each("spec.serviceName", sn, Names.isDNS1123Label(sn));
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            ObjectNode a = n.path("spec") instanceof ObjectNode x ? x.deepCopy() : Nodes.F.objectNode();
            ObjectNode b = o.path("spec") instanceof ObjectNode y ? y.deepCopy() : Nodes.F.objectNode();
            for (ObjectNode s : List.of(a, b))
                s.remove(List.of("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"));
            if (!a.equals(b))
                errs.add(FieldError.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Ready", "string", "Number of the pod with ready state"),
                    TableColumn.AGE, Printing.CONTAINERS, Printing.IMAGES);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec"), st = o.path("status");
            List<Object> row = startRow(o);
            row.add(st.path("readyReplicas").asLong(0) + "/" + spec.path("replicas").asLong(0));
            row.add(Printing.age(o));
            row.addAll(Printing.containersAndImages(spec.path("template").path("spec")));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ ControllerRevision
    static final class ControllerRevisionStrategy implements ResourceStrategy {
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            c.nonNegative(obj, "revision", "revision");
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (o.has("data") && !o.get("data").equals(n.get("data"))) errs.add(FieldError.invalid("data", null, "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Controller", "string", "Controller of the object"),
                    Printing.col("Revision", "string", "Revision indicates the revision of the state represented by Data."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = startRow(o);
            String controller = "<none>";
            for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
                if (!ref.path("controller").asBoolean(false)) continue;
                String av = Nodes.text(ref, "apiVersion");
                String group = av.contains("/") ? av.substring(0, av.indexOf('/')) : "";
                controller = Nodes.text(ref, "kind").toLowerCase() + (group.isEmpty() ? "" : "." + group) + "/" + Nodes.text(ref, "name");
            }
            row.add(controller);
            row.add(o.path("revision").asLong(0));
            row.add(Printing.age(o));
            return row;
        }
    }
}
