package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.TableColumn;

import java.util.ArrayList;
import java.util.List;

/** networking.k8s.io, discovery.k8s.io, coordination.k8s.io, rbac.authorization.k8s.io, scheduling.k8s.io and policy kinds. */
final class OtherKinds {
    private OtherKinds() {}

    static List<Object> nameRow(ObjectNode o) {
        List<Object> row = new ArrayList<>();
        row.add(Printing.name(o));
        return row;
    }

    static final TableColumn CREATED_AT = new TableColumn("Created At", "date", "",
            "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata", 0);

    // ------------------------------------------------------------------------------------------------ Ingress
    static final class IngressStrategy implements ResourceStrategy {
        static final List<String> PATH_TYPES = List.of("Exact", "ImplementationSpecific", "Prefix");

        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status").putObject("loadBalancer"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            String cls = Nodes.text(spec, "ingressClassName");
            if (spec.has("ingressClassName")) c.each("spec.ingressClassName", cls, Names.isDNS1123Subdomain(cls));
            JsonNode db = spec.get("defaultBackend");
            if (db != null && !db.isNull()) backend(db, "spec.defaultBackend", c);
            JsonNode rules = spec.path("rules");
            if (rules.isEmpty() && (db == null || db.isNull())) c.invalid("spec.rules", Nodes.raw("[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified");
            for (int i = 0; i < rules.size(); i++) {
                JsonNode r = rules.path(i);
                String p = "spec.rules[" + i + "]";
                String host = Nodes.text(r, "host");
                if (!host.isEmpty()) {
                    if (ServiceStrategy.ipv4(host) >= 0 || ServiceStrategy.isIpv6(host)) c.invalid(p + ".host", host, "must be a DNS name, not an IP address");
                    else if (host.contains("*")) c.each(p + ".host", host, Names.isWildcardDNS1123Subdomain(host));
                    else c.each(p + ".host", host, Names.isDNS1123Subdomain(host));
                }
                JsonNode http = r.get("http");
                if (http == null || http.isNull()) continue;
                JsonNode paths = http.path("paths");
                if (paths.isEmpty()) c.required(p + ".http.paths", "");
                for (int j = 0; j < paths.size(); j++) {
                    JsonNode path = paths.path(j);
                    String pp = p + ".http.paths[" + j + "]";
                    String pt = Nodes.text(path, "pathType");
                    String pv = Nodes.text(path, "path");
                    if (pt.isEmpty()) c.required(pp + ".pathType", "pathType must be specified");
                    else if (!PATH_TYPES.contains(pt)) c.notSupported(pp + ".pathType", pt, PATH_TYPES);
                    else if (!pt.equals("ImplementationSpecific") || !pv.isEmpty()) {
                        if (!pv.startsWith("/")) c.invalid(pp + ".path", pv, "must be an absolute path");
                        else if (!pt.equals("ImplementationSpecific")) {
                            for (String bad : List.of("//", "/./", "/../", "%2f", "%2F")) if (pv.contains(bad)) c.invalid(pp + ".path", pv, "must not contain '" + bad + "'");
                            for (String bad : List.of("/..", "/.")) if (pv.endsWith(bad)) c.invalid(pp + ".path", pv, "cannot end with '" + bad + "'");
                        }
                    }
                    JsonNode b = path.get("backend");
                    if (b == null || b.isNull()) c.required(pp + ".backend", "");
                    else backend(b, pp + ".backend", c);
                }
            }
            JsonNode tls = spec.path("tls");
            for (int i = 0; i < tls.size(); i++) {
                JsonNode hosts = tls.path(i).path("hosts");
                for (int j = 0; j < hosts.size(); j++) {
                    String h = hosts.path(j).asText();
                    c.each("spec.tls[" + i + "].hosts[" + j + "]", h, h.contains("*") ? Names.isWildcardDNS1123Subdomain(h) : Names.isDNS1123Subdomain(h));
                }
                String sn = Nodes.text(tls.path(i), "secretName");
                if (!sn.isEmpty()) c.each("spec.tls[" + i + "].secretName", sn, Names.isDNS1123Subdomain(sn));
            }
            return c.done();
        }

        static void backend(JsonNode b, String p, Check c) {
            JsonNode svc = b.get("service"), res = b.get("resource");
            boolean hasSvc = svc != null && !svc.isNull(), hasRes = res != null && !res.isNull();
            if (hasSvc && hasRes) { c.invalid(p, "", "cannot set both service and resource backends"); return; }
            if (!hasSvc && !hasRes) { c.invalid(p, "", "one backend (service or resource) must be specified"); return; }
            if (hasSvc) {
                String name = Nodes.text(svc, "name");
                if (name.isEmpty()) c.required(p + ".service.name", "");
                else c.each(p + ".service.name", name, Names.isDNS1035Label(name));
                JsonNode port = svc.path("port");
                boolean hasName = !Nodes.text(port, "name").isEmpty(), hasNum = port.path("number").asLong(0) != 0;
                if (hasName && hasNum) c.invalid(p + ".service.port", Nodes.raw("networking.ServiceBackendPort{Name:" + Nodes.goQuote(Nodes.text(port, "name")) + ", Number:" + port.path("number").asLong() + "}"), "cannot set both port name & port number");
                else if (hasName) c.each(p + ".service.port.name", Nodes.text(port, "name"), Names.isValidPortName(Nodes.text(port, "name")));
                else if (hasNum) for (String m : Names.isValidPortNum(port.path("number").asLong())) c.invalid(p + ".service.port.number", Nodes.num(port.path("number").asLong()), m);
                else c.required(p + ".service.port", "port name or number is required");
            } else {
                if (Nodes.text(res, "kind").isEmpty()) c.required(p + ".resource.kind", "");
                if (Nodes.text(res, "name").isEmpty()) c.required(p + ".resource.name", "");
            }
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Class", "string", "The name of the IngressClass resource that should be used for ingress."),
                    Printing.col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
                    Printing.col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
                    Printing.col("Ports", "string", "Ports of TLS configurations that open"),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            row.add(spec.has("ingressClassName") && !spec.get("ingressClassName").isNull() ? Nodes.text(spec, "ingressClassName") : "<none>");
            List<String> hosts = new ArrayList<>();
            JsonNode rules = spec.path("rules");
            boolean more = false;
            for (JsonNode r : rules) {
                if (hosts.size() == 3) more = true;
                if (!more && !Nodes.text(r, "host").isEmpty()) hosts.add(Nodes.text(r, "host"));
            }
            String h = hosts.isEmpty() ? "*" : String.join(",", hosts);
            if (!hosts.isEmpty() && more) h = h + " + " + (rules.size() - 3) + " more...";
            row.add(h);
            List<String> addrs = new ArrayList<>();
            for (JsonNode ing : o.path("status").path("loadBalancer").path("ingress")) {
                if (!Nodes.text(ing, "ip").isEmpty()) addrs.add(Nodes.text(ing, "ip"));
                else if (!Nodes.text(ing, "hostname").isEmpty()) addrs.add(Nodes.text(ing, "hostname"));
            }
            row.add(String.join(",", addrs));
            row.add(spec.path("tls").isEmpty() ? "80" : "80, 443");
            row.add(Printing.age(o));
            return row;
        }
    }

    static final class IngressClassStrategy implements ResourceStrategy {
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String ctl = Nodes.text(obj.path("spec"), "controller");
            if (ctl.isEmpty()) c.required("spec.controller", "");
            else if (ctl.length() > 250) c.add(FieldError.tooLong("spec.controller", 250));
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!Nodes.text(o.path("spec"), "controller").equals(Nodes.text(n.path("spec"), "controller")))
                errs.add(FieldError.invalid("spec.controller", n.path("spec").get("controller"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Controller", "string", "Controller that is responsible for handling this class"),
                    Printing.col("Parameters", "string", "A reference to a resource with additional parameters"),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            row.add(Nodes.text(spec, "controller"));
            String params = "<none>";
            JsonNode p = spec.get("parameters");
            if (p != null && p.isObject()) {
                params = Nodes.text(p, "kind");
                if (p.has("apiGroup") && !p.get("apiGroup").isNull()) params += "." + Nodes.text(p, "apiGroup");
                params += "/" + Nodes.text(p, "name");
            }
            row.add(params);
            row.add(Printing.age(o));
            return row;
        }
    }

    static final class NetworkPolicyStrategy implements ResourceStrategy {
        @Override
        public void applyDefaults(ObjectNode obj) {
            ObjectNode spec = Nodes.obj(obj, "spec");
            for (String dir : List.of("ingress", "egress"))
                for (JsonNode rule : spec.path(dir))
                    for (JsonNode port : rule.path("ports")) if (port instanceof ObjectNode po) Nodes.defaultText(po, "protocol", "TCP");
            if (Nodes.arrOrNull(spec, "policyTypes") == null || spec.get("policyTypes").isEmpty()) {
                ArrayNode pt = spec.putArray("policyTypes");
                pt.add("Ingress");
                if (spec.has("egress") && !spec.get("egress").isNull()) pt.add("Egress");
            }
            Nodes.obj(spec, "podSelector");
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.labelSelector(spec.get("podSelector"), "spec.podSelector");
            for (JsonNode t : spec.path("policyTypes")) {
                String s = t.asText();
                if (!s.equals("Ingress") && !s.equals("Egress")) c.notSupported("spec.policyTypes", s, List.of("Egress", "Ingress"));
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Printing.selector(o.path("spec").get("podSelector")));
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ EndpointSlice
    static final class EndpointSliceStrategy implements ResourceStrategy {
        static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");

        @Override
        public void applyDefaults(ObjectNode obj) {
            for (JsonNode p : obj.path("ports")) if (p instanceof ObjectNode po) {
                Nodes.defaultText(po, "protocol", "TCP");
                if (Nodes.absent(po, "name")) po.put("name", "");
            }
        }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String at = Nodes.text(obj, "addressType");
            if (at.isEmpty()) c.required("addressType", "");
            else if (!ADDRESS_TYPES.contains(at)) c.notSupported("addressType", at, ADDRESS_TYPES);
            JsonNode eps = obj.path("endpoints");
            for (int i = 0; i < eps.size(); i++) {
                JsonNode addrs = eps.path(i).path("addresses");
                if (addrs.isEmpty()) c.required("endpoints[" + i + "].addresses", "must contain at least 1 address");
            }
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!Nodes.text(o, "addressType").equals(Nodes.text(n, "addressType"))) errs.add(FieldError.invalid("addressType", n.get("addressType"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("AddressType", "string", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, and kube-proxy only processes, slices of addressType \"IPv4\" and \"IPv6\". No semantics are defined for the \"FQDN\" type."),
                    Printing.col("Ports", "string", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least 1 port. EndpointSlices used for other purposes may have an empty ports list."),
                    Printing.col("Endpoints", "string", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Nodes.text(o, "addressType"));
            JsonNode ports = o.path("ports");
            String portStr;
            if (ports.isEmpty()) portStr = "<unset>";
            else {
                List<String> ps = new ArrayList<>();
                int max = 3, count = 0;
                boolean more = false;
                for (JsonNode p : ports) {
                    count++;
                    if (ps.size() == max) { more = true; continue; }
                    // formatDiscoveryPorts: the number, else the name, else "*"
                    ps.add(p.has("port") && !p.get("port").isNull() ? Long.toString(p.path("port").asLong())
                            : p.has("name") && !p.get("name").isNull() ? Nodes.text(p, "name") : "*");
                }
                portStr = String.join(",", ps) + (more ? " + " + (count - max) + " more..." : "");
            }
            row.add(portStr);
            List<String> addrs = new ArrayList<>();
            int count = 0;
            boolean more = false;
            for (JsonNode ep : o.path("endpoints")) for (JsonNode a : ep.path("addresses")) {
                count++;
                if (addrs.size() == 3) { more = true; continue; }
                addrs.add(a.asText());
            }
            row.add(addrs.isEmpty() ? "<unset>" : String.join(",", addrs) + (more ? " + " + (count - 3) + " more..." : ""));
            row.add(Printing.age(o));
            return row;
        }

        @Override public List<String> selectableFields() { return List.of("addressType"); }
    }

    // ------------------------------------------------------------------------------------------------ Lease
    static final class LeaseStrategy implements ResourceStrategy {
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            c.positive(spec, "leaseDurationSeconds", "spec.leaseDurationSeconds");
            c.nonNegative(spec, "leaseTransitions", "spec.leaseTransitions");
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Holder", "string", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Nodes.text(o.path("spec"), "holderIdentity"));
            row.add(Printing.age(o));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ RBAC
    static final class RoleStrategy implements ResourceStrategy {
        private final boolean namespaced;

        RoleStrategy(boolean namespaced) { this.namespaced = namespaced; }

        /** ValidateRBACName: path segments, so names like "system:node" are valid; the core applies it. */
        @Override public io.wharf.apiserver.NameRule nameRule() { return io.wharf.apiserver.NameRule.PATH_SEGMENT; }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode rules = obj.path("rules");
            for (int i = 0; i < rules.size(); i++) {
                JsonNode r = rules.path(i);
                String p = "rules[" + i + "]";
                if (r.path("verbs").isEmpty()) c.required(p + ".verbs", "verbs must contain at least one value");
                boolean hasUrls = !r.path("nonResourceURLs").isEmpty();
                if (hasUrls && namespaced) c.invalid(p + ".nonResourceURLs", Nodes.raw(goStrings(r.path("nonResourceURLs"))), "namespaced rules cannot apply to non-resource URLs");
                if (hasUrls && (!r.path("apiGroups").isEmpty() || !r.path("resources").isEmpty() || !r.path("resourceNames").isEmpty()))
                    c.invalid(p + ".nonResourceURLs", Nodes.raw(goStrings(r.path("nonResourceURLs"))), "rules cannot apply to both regular resources and non-resource URLs");
                if (!hasUrls) {
                    if (r.path("apiGroups").isEmpty()) c.required(p + ".apiGroups", "resource rules must supply at least one api group");
                    if (r.path("resources").isEmpty()) c.required(p + ".resources", "resource rules must supply at least one resource");
                }
            }
            return c.done();
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override public List<TableColumn> tableColumns() { return List.of(TableColumn.NAME, CREATED_AT); }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(Nodes.meta(o, "creationTimestamp"));
            return row;
        }
    }

    static String goStrings(JsonNode arr) {
        List<String> s = new ArrayList<>();
        for (JsonNode v : arr) s.add(Nodes.goQuote(v.asText()));
        return "[]string{" + String.join(", ", s) + "}";
    }

    static final class RoleBindingStrategy implements ResourceStrategy {
        private final boolean namespaced;

        RoleBindingStrategy(boolean namespaced) { this.namespaced = namespaced; }

        /** ValidateRBACName: path segments, so names like "system:node" are valid; the core applies it. */
        @Override public io.wharf.apiserver.NameRule nameRule() { return io.wharf.apiserver.NameRule.PATH_SEGMENT; }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode ref = obj.path("roleRef");
            String ag = Nodes.text(ref, "apiGroup");
            if (!ag.equals("rbac.authorization.k8s.io")) c.notSupported("roleRef.apiGroup", ag, List.of("rbac.authorization.k8s.io"));
            String kind = Nodes.text(ref, "kind");
            List<String> kinds = namespaced ? List.of("Role", "ClusterRole") : List.of("ClusterRole");
            if (!kinds.contains(kind)) c.notSupported("roleRef.kind", kind, kinds);
            String rn = Nodes.text(ref, "name");
            if (rn.isEmpty()) c.required("roleRef.name", "");
            else c.each("roleRef.name", rn, Names.isValidPathSegmentName(rn));
            JsonNode subjects = obj.path("subjects");
            for (int i = 0; i < subjects.size(); i++) {
                JsonNode s = subjects.path(i);
                String p = "subjects[" + i + "]";
                String sk = Nodes.text(s, "kind");
                if (Nodes.text(s, "name").isEmpty()) c.required(p + ".name", "");
                switch (sk) {
                    case "ServiceAccount" -> {
                        if (!Nodes.text(s, "apiGroup").isEmpty()) c.notSupported(p + ".apiGroup", Nodes.text(s, "apiGroup"), List.of(""));
                        if (!namespaced && Nodes.text(s, "namespace").isEmpty()) c.required(p + ".namespace", "");
                    }
                    case "User", "Group" -> {
                        if (!Nodes.text(s, "apiGroup").equals("rbac.authorization.k8s.io"))
                            c.notSupported(p + ".apiGroup", Nodes.text(s, "apiGroup"), List.of("rbac.authorization.k8s.io"));
                    }
                    default -> c.notSupported(p + ".kind", sk, List.of("ServiceAccount", "User", "Group"));
                }
            }
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (!o.path("roleRef").equals(n.path("roleRef"))) {
                JsonNode r = n.path("roleRef");
                errs.add(FieldError.invalid("roleRef", Nodes.raw("rbac.RoleRef{APIGroup:" + Nodes.goQuote(Nodes.text(r, "apiGroup")) + ", Kind:"
                        + Nodes.goQuote(Nodes.text(r, "kind")) + ", Name:" + Nodes.goQuote(Nodes.text(r, "name")) + "}"), "cannot change roleRef"));
            }
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
                    TableColumn.AGE,
                    Printing.wide("Users", "string", "Users in the roleBinding"),
                    Printing.wide("Groups", "string", "Groups in the roleBinding"),
                    Printing.wide("ServiceAccounts", "string", "ServiceAccounts in the roleBinding"));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            JsonNode ref = o.path("roleRef");
            row.add(Nodes.text(ref, "kind") + "/" + Nodes.text(ref, "name"));
            row.add(Printing.age(o));
            List<String> users = new ArrayList<>(), groups = new ArrayList<>(), sas = new ArrayList<>();
            for (JsonNode s : o.path("subjects")) {
                switch (Nodes.text(s, "kind")) {
                    case "User" -> users.add(Nodes.text(s, "name"));
                    case "Group" -> groups.add(Nodes.text(s, "name"));
                    case "ServiceAccount" -> sas.add(Nodes.text(s, "namespace") + ":" + Nodes.text(s, "name"));
                    default -> { }
                }
            }
            row.add(String.join(", ", users));
            row.add(String.join(", ", groups));
            row.add(String.join(", ", sas));
            return row;
        }
    }

    // ------------------------------------------------------------------------------------------------ PriorityClass
    static final class PriorityClassStrategy implements ResourceStrategy {
        static final long HIGHEST_USER = 1_000_000_000L;

        @Override public void applyDefaults(ObjectNode obj) { Nodes.defaultText(obj, "preemptionPolicy", "PreemptLowerPriority"); }

        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            String name = Nodes.meta(obj, "name");
            boolean system = name.equals("system-node-critical") || name.equals("system-cluster-critical");
            if (name.startsWith("system-") && !system)
                c.invalid("metadata.name", name, "priority class names with 'system-' prefix are reserved for system use only");
            if (!system && obj.path("value").asLong(0) > HIGHEST_USER)
                c.forbidden("value", "maximum allowed value of a user defined priority is " + HIGHEST_USER);
            String pp = Nodes.text(obj, "preemptionPolicy");
            if (!pp.equals("PreemptLowerPriority") && !pp.equals("Never")) c.notSupported("preemptionPolicy", pp, List.of("Never", "PreemptLowerPriority"));
            return c.done();
        }

        @Override
        public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
            List<FieldError> errs = new ArrayList<>(validateCreate(n));
            if (o.path("value").asLong(0) != n.path("value").asLong(0)) errs.add(FieldError.forbidden("value", "may not be changed in an update."));
            if (!Nodes.text(o, "preemptionPolicy").equals(Nodes.text(n, "preemptionPolicy")))
                errs.add(FieldError.invalid("preemptionPolicy", n.get("preemptionPolicy"), "field is immutable"));
            return errs;
        }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Value", "integer", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
                    Printing.col("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
                    TableColumn.AGE,
                    Printing.col("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."));
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            List<Object> row = nameRow(o);
            row.add(o.path("value").asLong(0));
            row.add(o.path("globalDefault").asBoolean(false));
            row.add(Printing.age(o));
            row.add(Nodes.text(o, "preemptionPolicy"));
            return row;
        }
    }
    // ------------------------------------------------------------------------------------------------ PodDisruptionBudget
    /** policy/v1 PodDisruptionBudget: stored and served only (no disruption controller computes its status). */
    static final class PodDisruptionBudgetStrategy implements ResourceStrategy {
        static final List<String> EVICTION_POLICIES = List.of("AlwaysAllow", "IfHealthyBudget");

        /** PodDisruptionBudget strategy PrepareForCreate: no status from the client, generation 1. */
        @Override public void prepareForCreate(ObjectNode obj) { obj.putObject("status").put("disruptionsAllowed", 0).put("currentHealthy", 0).put("desiredHealthy", 0).put("expectedPods", 0); }

        /** ValidatePodDisruptionBudgetSpec. */
        @Override
        public List<FieldError> validateCreate(ObjectNode obj) {
            Check c = new Check();
            JsonNode spec = obj.path("spec");
            JsonNode min = spec.get("minAvailable"), max = spec.get("maxUnavailable");
            boolean hasMin = min != null && !min.isNull(), hasMax = max != null && !max.isNull();
            if (hasMin && hasMax) c.invalid("spec", Nodes.raw(goSpec(spec)), "minAvailable and maxUnavailable cannot be both set");
            if (hasMin) Workloads.intOrPercent(min, "spec.minAvailable", c);
            if (hasMax) Workloads.intOrPercent(max, "spec.maxUnavailable", c);
            c.labelSelector(spec.get("selector"), "spec.selector");
            String p = Nodes.text(spec, "unhealthyPodEvictionPolicy");
            if (spec.has("unhealthyPodEvictionPolicy") && !spec.get("unhealthyPodEvictionPolicy").isNull() && !EVICTION_POLICIES.contains(p))
                c.notSupported("spec.unhealthyPodEvictionPolicy", p, EVICTION_POLICIES);
            return c.done();
        }

        static String goSpec(JsonNode spec) {
            return "policy.PodDisruptionBudgetSpec{MinAvailable:" + intstr(spec.get("minAvailable")) + ", Selector:(*v1.LabelSelector)(nil), MaxUnavailable:"
                    + intstr(spec.get("maxUnavailable")) + ", UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}";
        }

        static String intstr(JsonNode v) {
            if (v == null || v.isNull()) return "(*intstr.IntOrString)(nil)";
            return v.isTextual() ? "\"" + v.asText() + "\"" : Long.toString(v.asLong());
        }

        @Override public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) { return validateCreate(n); }

        @Override
        public List<TableColumn> tableColumns() {
            return List.of(TableColumn.NAME,
                    Printing.col("Min Available", "string", "The minimum number of pods that must be available simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
                    Printing.col("Max Unavailable", "string", "The maximum number of pods that may be unavailable simultaneously.  This can be either an integer or a string specifying a percentage, e.g. \"28%\"."),
                    Printing.col("Allowed Disruptions", "integer", "Number of pod disruptions that are currently allowed."),
                    TableColumn.AGE);
        }

        @Override
        public List<Object> tableRow(ObjectNode o) {
            JsonNode spec = o.path("spec");
            List<Object> row = nameRow(o);
            JsonNode min = spec.get("minAvailable"), max = spec.get("maxUnavailable");
            row.add(min == null || min.isNull() ? "N/A" : min.asText());
            row.add(max == null || max.isNull() ? "N/A" : max.asText());
            row.add(o.path("status").path("disruptionsAllowed").asLong(0));
            row.add(Printing.age(o));
            return row;
        }
    }
}
