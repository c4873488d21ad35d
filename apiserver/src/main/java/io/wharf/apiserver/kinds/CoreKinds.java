package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** core/v1 kinds other than Pod and Service: Namespace, ConfigMap, Secret, Node, Endpoints, Event, ServiceAccount, LimitRange, ResourceQuota. */
final class CoreKinds {
    private CoreKinds() {}

    static final int MAX_DATA = 1024 * 1024;

    static List<Object> nameRow(ObjectNode o) {
        List<Object> row = new ArrayList<>();
        row.add(Printing.name(o));
        return row;
    }

    static FieldError immutableErr(String path, JsonNode value) { return FieldError.invalid(path, value, "field is immutable"); }

    // ------------------------------------------------------------------------------------------------ Namespace
    static final class NamespaceStrategy implements ResourceStrategy {
        /** ValidateNamespaceName: a DNS-1123 label. */
        @Override public io.wharf.apiserver.NameRule nameRule() { return io.wharf.apiserver.NameRule.DNS_LABEL; }

        @Override
        public void applyDefaults(ObjectNode obj) {
            String name = Nodes.meta(obj, "name");
            if (!name.isEmpty()) Nodes.obj(Nodes.obj(obj, "metadata"), "labels").put("kubernetes.io/metadata.name", name);
        }

        @Override
        public void prepareForCreate(ObjectNode obj) {
            obj.putObject("status").put("phase", "Active");
            ObjectNode spec = Nodes.obj(obj, "spec");
            ArrayNode fin = Nodes.arrOrNull(spec, "finalizers");
            if (fin == null) fin = spec.putArray("finalizers");
            boolean has = false;
            for (JsonNode f : fin) if (f.asText().equals("kubernetes")) has = true;
            if (!has) fin.add("kubernetes");
        }

        @Override
        public void prepareForUpdate(ObjectNode n, ObjectNode o) {
            if (o.has("spec")) n.set("spec", o.get("spec").deepCopy());
            if (o.has("status")) n.set("status", o.get("status").deepCopy());
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            // metadata.name as a DNS-1123 label: the core applies nameRule() (checking it here too would print the
            // error twice).
            for (JsonNode f : obj.path("spec").path("finalizers")) {
                String s = f.asText();
                if (!s.equals("kubernetes") && !s.contains("/")) c.invalid("spec.finalizers", s, "name is neither a standard finalizer name nor is it fully qualified");
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME, Printing.col("Status", "string", "The status of the namespace"), TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Nodes.text(o.path("status"), "phase"));
            row.add(Printing.age(o));
            return row;
        }

        @Override public List<String> selectableFields() { return List.of("status.phase"); }
    }

    // ------------------------------------------------------------------------------------------------ ConfigMap
    static final class ConfigMapStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) { checkBase64(obj, "binaryData", "ConfigMap"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            long total = 0;
            Set<String> keys = new HashSet<>();
            JsonNode data = obj.get("data");
            if (data != null && data.isObject()) for (var it = data.fields(); it.hasNext(); ) {
                var e = it.next();
                c.each("data[" + e.getKey() + "]", e.getKey(), Names.isConfigMapKey(e.getKey()));
                keys.add(e.getKey());
                total += e.getValue().asText().getBytes(StandardCharsets.UTF_8).length;
            }
            JsonNode bin = obj.get("binaryData");
            if (bin != null && bin.isObject()) for (var it = bin.fields(); it.hasNext(); ) {
                var e = it.next();
                c.each("binaryData[" + e.getKey() + "]", e.getKey(), Names.isConfigMapKey(e.getKey()));
                if (keys.contains(e.getKey())) c.invalid("binaryData[" + e.getKey() + "]", e.getKey(), "duplicate of key present in data");
                byte[] b = decode(e.getValue().asText());
                if (b == null) c.invalid("binaryData[" + e.getKey() + "]", "<binary>", "illegal base64 data");
                else total += b.length;
            }
            if (total > MAX_DATA) c.add(new FieldError(FieldError.Type.TOO_LONG, "[]", null, "must have at most " + MAX_DATA + " bytes"));
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (o.path("immutable").asBoolean(false)) {
                if (!o.path("data").equals(n.path("data")) || !o.path("binaryData").equals(n.path("binaryData")))
                    errs.add(FieldError.forbidden("data", "field is immutable when `immutable` is set"));
                if (!n.path("immutable").asBoolean(false)) errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
            }
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME, Printing.col("Data", "string", "Data contains the configuration data"), TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add((long) (o.path("data").size() + o.path("binaryData").size()));
            row.add(Printing.age(o));
            return row;
        }
    }

    /**
     * []byte fields are base64 in JSON; Kubernetes fails decoding the body (400 BadRequest) when one is not, before any
     * validation: "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 4".
     */
    static void checkBase64(ObjectNode obj, String field, String kind) {
        JsonNode m = obj.get(field);
        if (m == null || !m.isObject()) return;
        for (var it = m.fields(); it.hasNext(); ) {
            JsonNode v = it.next().getValue();
            if (!v.isTextual()) continue;
            int bad = badBase64At(v.asText());
            if (bad >= 0)
                throw new io.wharf.common.WharfException(io.wharf.common.ErrorKind.INVALID_ARGUMENT,
                        kind + " in version \"v1\" cannot be handled as a " + kind + ": illegal base64 data at input byte " + bad);
        }
    }

    /** Index of the first byte Go's base64.StdEncoding rejects, or -1 when the text decodes. */
    static int badBase64At(String s) {
        int n = s.length();
        int pad = 0;
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            boolean alpha = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
            if (ch == '=') {
                if (i % 4 < 2) return i;
                pad++;
                continue;
            }
            if (!alpha || pad > 0) return i;
        }
        if (n % 4 != 0) return n - n % 4; // a truncated last quantum: Go reports where it starts
        return -1;
    }

    static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------------------------------------ Secret
    static final class SecretStrategy implements ResourceStrategy {
        /** type defaults to Opaque; stringData is merged into data (base64) and dropped, as the v1 conversion does. */
        @Override
        public void applyDefaults(ObjectNode obj) {
            checkBase64(obj, "data", "Secret");
            Nodes.defaultText(obj, "type", "Opaque");
            JsonNode sd = obj.get("stringData");
            if (sd != null && sd.isObject()) {
                ObjectNode data = Nodes.obj(obj, "data");
                Nodes.forEachField(sd, (k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.asText().getBytes(StandardCharsets.UTF_8))));
            }
            obj.remove("stringData");
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            long total = 0;
            JsonNode data = obj.get("data");
            TreeMap<String, byte[]> decoded = new TreeMap<>();
            if (data != null && data.isObject()) for (var it = data.fields(); it.hasNext(); ) {
                var e = it.next();
                c.each("data[" + e.getKey() + "]", e.getKey(), Names.isConfigMapKey(e.getKey()));
                byte[] b = e.getValue().isNull() ? new byte[0] : decode(e.getValue().asText());
                if (b == null) c.invalid("data[" + e.getKey() + "]", "<secret contents redacted>", "illegal base64 data");
                else { total += b.length; decoded.put(e.getKey(), b); }
            }
            if (total > MAX_DATA) c.add(new FieldError(FieldError.Type.TOO_LONG, "data", null, "must have at most " + MAX_DATA + " bytes"));
            String type = Nodes.text(obj, "type");
            switch (type) {
                case "kubernetes.io/tls" -> {
                    if (!decoded.containsKey("tls.crt")) c.required("data[tls.crt]", "");
                    if (!decoded.containsKey("tls.key")) c.required("data[tls.key]", "");
                }
                case "kubernetes.io/dockerconfigjson" -> jsonKey(decoded, ".dockerconfigjson", c);
                case "kubernetes.io/dockercfg" -> jsonKey(decoded, ".dockercfg", c);
                case "kubernetes.io/service-account-token" -> {
                    if (obj.path("metadata").path("annotations").path("kubernetes.io/service-account.name").asText("").isEmpty())
                        c.required("metadata.annotations[kubernetes.io/service-account.name]", "");
                }
                case "kubernetes.io/basic-auth" -> {
                    if (!decoded.containsKey("username") && !decoded.containsKey("password"))
                        c.add(new FieldError(FieldError.Type.REQUIRED, "data[username]", null, ""));
                }
                case "kubernetes.io/ssh-auth" -> { if (!decoded.containsKey("ssh-privatekey")) c.required("data[ssh-privatekey]", ""); }
                default -> { }
            }
            return c.done();
        }

        private static void jsonKey(TreeMap<String, byte[]> data, String key, Check c) {
            byte[] b = data.get(key);
            if (b == null) { c.required("data[" + key + "]", ""); return; }
            try {
                io.wharf.common.Json.MAPPER.readTree(b);
            } catch (Exception e) {
                c.invalid("data[" + key + "]", "<secret contents redacted>", "invalid character looking for beginning of value");
            }
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!Nodes.text(o, "type").equals(Nodes.text(n, "type"))) errs.add(immutableErr("type", n.get("type")));
            if (o.path("immutable").asBoolean(false)) {
                if (!o.path("data").equals(n.path("data"))) errs.add(FieldError.forbidden("data", "field is immutable when `immutable` is set"));
                if (!n.path("immutable").asBoolean(false)) errs.add(FieldError.forbidden("immutable", "field is immutable when `immutable` is set"));
            }
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Type", "string", "The type of the secret"),
                    Printing.col("Data", "string", "The number of entries in the secret"),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Nodes.text(o, "type"));
            row.add((long) o.path("data").size());
            row.add(Printing.age(o));
            return row;
        }

        @Override public List<String> selectableFields() { return List.of("type"); }
    }

    // ------------------------------------------------------------------------------------------------ Node
    static final class NodeStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode status = Nodes.objOrNull(obj, "status");
            if (status != null && status.has("capacity") && Nodes.absent(status, "allocatable")) status.set("allocatable", status.get("capacity").deepCopy());
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            ArrayNode taints = Nodes.arrOrNull(obj.path("spec"), "taints");
            if (taints != null) {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < taints.size(); i++) {
                    JsonNode t = taints.path(i);
                    String p = "spec.taints[" + i + "]";
                    String key = Nodes.text(t, "key"), effect = Nodes.text(t, "effect"), value = Nodes.text(t, "value");
                    if (key.isEmpty()) c.required(p + ".key", "");
                    else c.each(p + ".key", key, Names.isQualifiedName(key));
                    c.each(p + ".value", value, Names.isValidLabelValue(value));
                    if (effect.isEmpty()) c.required(p + ".effect", "");
                    else if (!PodSpecs.TAINT_EFFECTS.contains(effect)) c.notSupported(p + ".effect", effect, PodSpecs.TAINT_EFFECTS);
                    if (!seen.add(key + "\u0000" + effect))
                        c.add(FieldError.duplicate(p, Nodes.raw("core.Taint{Key:" + Nodes.goQuote(key) + ", Value:" + Nodes.goQuote(value) + ", Effect:" + Nodes.goQuote(effect) + ", TimeAdded:<nil>}")));
                }
            }
            String cidr = Nodes.text(obj.path("spec"), "podCIDR");
            if (!cidr.isEmpty() && !cidr.matches("^[0-9a-fA-F.:]+/[0-9]{1,3}$")) c.invalid("spec.podCIDR", cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            String oc = Nodes.text(o.path("spec"), "podCIDR");
            if (!oc.isEmpty() && !oc.equals(Nodes.text(n.path("spec"), "podCIDR")))
                errs.add(FieldError.forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Status", "string", "The status of the node"),
                    Printing.col("Roles", "string", "The roles of the node"),
                    TableColumn.AGE,
                    Printing.col("Version", "string", "Kubelet Version reported by the node."),
                    Printing.wide("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)."),
                    Printing.wide("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP)."),
                    Printing.wide("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
                    Printing.wide("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
                    Printing.wide("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode st = o.path("status");
            List<Object> row = nameRow(o);
            List<String> status = new ArrayList<>();
            for (JsonNode cond : st.path("conditions"))
                if (Nodes.text(cond, "type").equals("Ready")) {
                    status.clear();
                    status.add(Nodes.text(cond, "status").equals("True") ? "Ready" : "NotReady");
                }
            if (status.isEmpty()) status.add("Unknown");
            if (o.path("spec").path("unschedulable").asBoolean(false)) status.add("SchedulingDisabled");
            row.add(String.join(",", status));
            TreeSet<String> roles = new TreeSet<>();
            Nodes.forEachField(o.path("metadata").get("labels"), (k, v) -> {
                if (k.startsWith("node-role.kubernetes.io/")) { String r = k.substring("node-role.kubernetes.io/".length()); if (!r.isEmpty()) roles.add(r); }
                else if (k.equals("kubernetes.io/role") && !v.asText().isEmpty()) roles.add(v.asText());
            });
            row.add(roles.isEmpty() ? "<none>" : String.join(",", roles));
            row.add(Printing.age(o));
            JsonNode info = st.path("nodeInfo");
            row.add(Nodes.text(info, "kubeletVersion"));
            row.add(address(st, "InternalIP"));
            row.add(address(st, "ExternalIP"));
            for (String f : List.of("osImage", "kernelVersion", "containerRuntimeVersion")) {
                String v = Nodes.text(info, f);
                row.add(v.isEmpty() ? "<unknown>" : v);
            }
            return row;
        }

        private static String address(JsonNode st, String type) {
            for (JsonNode a : st.path("addresses")) if (Nodes.text(a, "type").equals(type)) return Nodes.text(a, "address");
            return "<none>";
        }

        @Override public List<String> selectableFields() { return List.of("spec.unschedulable"); }
    }

    // ------------------------------------------------------------------------------------------------ Endpoints
    static final class EndpointsStrategy implements ResourceStrategy {
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode subsets = obj.path("subsets");
            for (int i = 0; i < subsets.size(); i++) {
                JsonNode ss = subsets.path(i);
                for (String list : List.of("addresses", "notReadyAddresses")) {
                    JsonNode addrs = ss.path(list);
                    for (int j = 0; j < addrs.size(); j++) {
                        String ip = Nodes.text(addrs.path(j), "ip");
                        if (ServiceStrategy.ipv4(ip) < 0 && !ServiceStrategy.isIpv6(ip))
                            c.invalid("subsets[" + i + "]." + list + "[" + j + "].ip", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
                    }
                }
                JsonNode ports = ss.path("ports");
                for (int j = 0; j < ports.size(); j++) {
                    long port = ports.path(j).path("port").asLong(0);
                    for (String m : Names.isValidPortNum(port)) c.invalid("subsets[" + i + "].ports[" + j + "].port", Nodes.num(port), m);
                }
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME, Printing.col("Endpoints", "string", "Endpoints of the service"), TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(formatEndpoints(o));
            row.add(Printing.age(o));
            return row;
        }

        static String formatEndpoints(JsonNode ep) {
            JsonNode subsets = ep.path("subsets");
            if (subsets.isEmpty()) return "<none>";
            List<String> list = new ArrayList<>();
            int max = 3, count = 0;
            boolean more = false;
            for (JsonNode ss : subsets) {
                JsonNode addrs = ss.path("addresses");
                if (ss.path("ports").isEmpty()) {
                    count += addrs.size();
                    for (JsonNode a : addrs) { if (list.size() == max) { more = true; break; } list.add(Nodes.text(a, "ip")); }
                    continue;
                }
                for (JsonNode port : ss.path("ports")) {
                    count += addrs.size();
                    for (JsonNode a : addrs) {
                        if (list.size() == max) { more = true; break; }
                        String ip = Nodes.text(a, "ip");
                        list.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port.path("port").asLong());
                    }
                }
            }
            String ret = String.join(",", list);
            if (more) return ret + " + " + (count - max) + " more...";
            return ret.isEmpty() ? "<none>" : ret;
        }
    }

    // ------------------------------------------------------------------------------------------------ Event
    /** core/v1 Event and events.k8s.io/v1 Event share the printer (both are the internal core Event). */
    static final class EventStrategy implements ResourceStrategy {
        private final boolean eventsGroup;

        EventStrategy(boolean eventsGroup) { this.eventsGroup = eventsGroup; }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode io = obj.path(eventsGroup ? "regarding" : "involvedObject");
            String ns = Nodes.meta(obj, "namespace"), ions = Nodes.text(io, "namespace");
            if (!ions.isEmpty() && !ns.isEmpty() && !ions.equals(ns))
                c.invalid((eventsGroup ? "regarding" : "involvedObject") + ".namespace", ions, "does not match event.namespace");
            if (eventsGroup) {
                if (Nodes.text(obj, "eventTime").isEmpty()) c.required("eventTime", "");
                if (Nodes.text(obj, "reportingController").isEmpty()) c.required("reportingController", "");
                if (Nodes.text(obj, "reportingInstance").isEmpty()) c.required("reportingInstance", "");
                String type = Nodes.text(obj, "type");
                if (!type.equals("Normal") && !type.equals("Warning")) c.notSupported("type", type, List.of("Normal", "Warning"));
                if (Nodes.text(obj, "action").isEmpty()) c.required("action", "");
                if (Nodes.text(obj, "reason").isEmpty()) c.required("reason", "");
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(
                    Printing.col("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
                    Printing.col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
                    Printing.col("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                    Printing.col("Object", "string", "The object that this event is about."),
                    Printing.wide("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]."),
                    Printing.wide("Source", "string", "The component reporting this event. Should be a short machine understandable string."),
                    Printing.col("Message", "string", "A human-readable description of the status of this operation."),
                    Printing.wide("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
                    Printing.wide("Count", "string", "The number of times this event has occurred."),
                    new TableColumn("Name", "string", "name", "Name must be unique within a namespace.", 1));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode io = o.path(eventsGroup ? "regarding" : "involvedObject");
            String first = Nodes.text(o, eventsGroup ? "deprecatedFirstTimestamp" : "firstTimestamp");
            String firstS = first.isEmpty() ? Printing.since(Nodes.text(o, "eventTime")) : Printing.since(first);
            String last = Nodes.text(o, eventsGroup ? "deprecatedLastTimestamp" : "lastTimestamp");
            String lastS = last.isEmpty() ? firstS : Printing.since(last);
            long count = o.path(eventsGroup ? "deprecatedCount" : "count").asLong(0);
            JsonNode series = o.get("series");
            if (series != null && series.isObject()) {
                lastS = Printing.since(Nodes.text(series, "lastObservedTime"));
                count = series.path("count").asLong(0);
            } else if (count == 0) count = 1;
            String kind = Nodes.text(io, "kind").toLowerCase();
            String target = Nodes.text(io, "name").isEmpty() ? kind : kind + "/" + Nodes.text(io, "name");
            JsonNode src = o.path(eventsGroup ? "deprecatedSource" : "source");
            String source;
            String comp = Nodes.text(src, "component");
            if (!comp.isEmpty()) source = Nodes.text(src, "host").isEmpty() ? comp : comp + ", " + Nodes.text(src, "host");
            else {
                String rc = Nodes.text(o, "reportingController"), ri = Nodes.text(o, "reportingInstance");
                source = ri.isEmpty() ? rc : rc + ", " + ri;
            }
            List<Object> row = new ArrayList<>();
            row.add(lastS);
            row.add(Nodes.text(o, "type"));
            row.add(Nodes.text(o, "reason"));
            row.add(target);
            row.add(Nodes.text(io, "fieldPath"));
            row.add(source);
            row.add(Nodes.text(o, eventsGroup ? "note" : "message").strip());
            row.add(firstS);
            row.add(count);
            row.add(Printing.name(o));
            return row;
        }

        @Override
        public List<String> selectableFields() {
            if (eventsGroup) return List.of("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
                    "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type");
            return List.of("involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                    "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                    "reportingComponent", "source", "type");
        }
    }

    // ------------------------------------------------------------------------------------------------ ServiceAccount
    static final class ServiceAccountStrategy implements ResourceStrategy {
        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME, Printing.col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add((long) o.path("secrets").size());
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ LimitRange
    static final class LimitRangeStrategy implements ResourceStrategy {
        static final List<String> TYPES = List.of("Container", "PersistentVolumeClaim", "Pod");

        @Override
        public void applyDefaults(ObjectNode obj) {
            // SetDefaults_LimitRangeItem: for containers, default limits to max and defaultRequest to default (then max).
            for (JsonNode item : obj.path("spec").path("limits")) {
                if (!(item instanceof ObjectNode it) || !Nodes.text(it, "type").equals("Container")) continue;
                if (it.has("max")) {
                    ObjectNode def = Nodes.obj(it, "default");
                    Nodes.forEachField(it.get("max"), (k, v) -> { if (!def.has(k)) def.set(k, v.deepCopy()); });
                }
                if (it.has("default")) {
                    ObjectNode dr = Nodes.obj(it, "defaultRequest");
                    Nodes.forEachField(it.get("default"), (k, v) -> { if (!dr.has(k)) dr.set(k, v.deepCopy()); });
                }
                if (it.has("min")) {
                    ObjectNode dr = Nodes.obj(it, "defaultRequest");
                    Nodes.forEachField(it.get("min"), (k, v) -> { if (!dr.has(k)) dr.set(k, v.deepCopy()); });
                }
                for (String f : List.of("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")) canonical(Nodes.objOrNull(it, f));
            }
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode limits = obj.path("spec").path("limits");
            for (int i = 0; i < limits.size(); i++) {
                JsonNode it = limits.path(i);
                String p = "spec.limits[" + i + "]";
                String type = Nodes.text(it, "type");
                if (!TYPES.contains(type)) c.notSupported(p + ".type", type, TYPES);
                for (String f : List.of("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")) quantities(it.get(f), p + "." + f, c);
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }
    }

    static void canonical(ObjectNode m) {
        if (m == null) return;
        for (var it = m.fields(); it.hasNext(); ) {
            var e = it.next();
            try { e.setValue(Nodes.str(Quantity.parse(e.getValue().asText()).toString())); } catch (IllegalArgumentException ignored) { }
        }
    }

    static void quantities(JsonNode m, String path, Check c) {
        Nodes.forEachField(m, (k, v) -> {
            try {
                if (Quantity.parse(v.asText()).signum() < 0) c.invalid(path + "[" + k + "]", v.asText(), "must be greater than or equal to 0");
            } catch (IllegalArgumentException e) {
                c.invalid(path + "[" + k + "]", v.asText(), e.getMessage());
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ ResourceQuota
    static final class ResourceQuotaStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) { canonical(Nodes.objOrNull(obj.path("spec"), "hard")); }

        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            quantities(obj.path("spec").get("hard"), "spec.hard", c);
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME, TableColumn.AGE,
                    Printing.col("Request", "string", "Request represents a minimum amount of cpu/memory that a container may consume."),
                    Printing.col("Limit", "string", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            JsonNode hard = o.path("status").path("hard"), used = o.path("status").path("used");
            TreeSet<String> names = new TreeSet<>();
            hard.fieldNames().forEachRemaining(names::add);
            List<String> req = new ArrayList<>(), lim = new ArrayList<>();
            for (String r : names) {
                String u = used.has(r) ? Quantity.isValid(used.get(r).asText()) ? Quantity.parse(used.get(r).asText()).toString() : used.get(r).asText() : "0";
                String h = Quantity.isValid(hard.get(r).asText()) ? Quantity.parse(hard.get(r).asText()).toString() : hard.get(r).asText();
                (r.startsWith("limits.") ? lim : req).add(r + ": " + u + "/" + h);
            }
            row.add(Printing.age(o));
            row.add(String.join(", ", req));
            row.add(String.join(", ", lim));
            return row;
        }
    }
}
