package io.wharf.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.apiserver.FieldError;
import io.wharf.apiserver.ObjectReader;
import io.wharf.apiserver.ResourceStrategy;
import io.wharf.apiserver.ResourceType;
import io.wharf.apiserver.TableColumn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * core/v1 Service: defaults, validation, ClusterIP and NodePort allocation (pkg/registry/core/service/ipallocator,
 * portallocator) with Kubernetes' conflict messages, and printService.
 *
 * <p>Allocation scans the committed Services through {@link ObjectReader} (the core serializes allocate calls per type),
 * so nothing needs releasing on delete: a deleted Service's IP and ports are simply no longer in use.
 */
final class ServiceStrategy implements ResourceStrategy {
    static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");

    private final ResourceType serviceType;
    private final Cidr range;
    private final int nodePortMin, nodePortMax;

    ServiceStrategy(ResourceType serviceType, String serviceCidr, int nodePortMin, int nodePortMax) {
        this.serviceType = serviceType;
        this.range = Cidr.parse(serviceCidr);
        if (nodePortMin < 1 || nodePortMax > 65535 || nodePortMin > nodePortMax) throw new IllegalArgumentException("bad node port range");
        this.nodePortMin = nodePortMin;
        this.nodePortMax = nodePortMax;
    }

    /** An IPv4 CIDR. */
    record Cidr(long base, int bits) {
        static Cidr parse(String s) {
            String[] p = s.split("/");
            int bits = Integer.parseInt(p[1]);
            long ip = ipv4(p[0]);
            if (ip < 0 || bits < 8 || bits > 30) throw new IllegalArgumentException("bad IPv4 CIDR " + s);
            long mask = (0xffffffffL << (32 - bits)) & 0xffffffffL;
            return new Cidr(ip & mask, bits);
        }

        long size() { return 1L << (32 - bits); }

        boolean contains(long ip) { return ip >= base && ip < base + size(); }

        /** Usable addresses exclude the network and broadcast addresses, as the Kubernetes allocator does. */
        boolean usable(long ip) { return ip > base && ip < base + size() - 1; }

        @Override public String toString() { return format(base) + "/" + bits; }
    }

    static long ipv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return -1;
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) return -1;
            int n = Integer.parseInt(p);
            if (n > 255) return -1;
            v = (v << 8) | n;
        }
        return v;
    }

    static String format(long ip) {
        return ((ip >> 24) & 255) + "." + ((ip >> 16) & 255) + "." + ((ip >> 8) & 255) + "." + (ip & 255);
    }

    static boolean isIpv6(String s) {
        try {
            return s.contains(":") && java.net.InetAddress.ofLiteral(s) instanceof java.net.Inet6Address;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean needsNodePorts(String type) { return type.equals("NodePort") || type.equals("LoadBalancer"); }

    // ---------------------------------------------------------------- defaults

    @Override
    public void applyDefaults(ObjectNode obj) {
        ObjectNode spec = Nodes.obj(obj, "spec");
        Nodes.defaultText(spec, "type", "ClusterIP");
        Nodes.defaultText(spec, "sessionAffinity", "None");
        String type = Nodes.text(spec, "type");
        if (Nodes.text(spec, "sessionAffinity").equals("ClientIP")) {
            ObjectNode cfg = Nodes.obj(Nodes.obj(spec, "sessionAffinityConfig"), "clientIP");
            Nodes.defaultInt(cfg, "timeoutSeconds", 10800);
        }
        ArrayNode ports = Nodes.arrOrNull(spec, "ports");
        if (ports != null) for (JsonNode p : ports) {
            if (!(p instanceof ObjectNode po)) continue;
            Nodes.defaultText(po, "protocol", "TCP");
            JsonNode tp = po.get("targetPort");
            if (tp == null || tp.isNull() || (tp.isNumber() && tp.asLong() == 0) || (tp.isTextual() && tp.asText().isEmpty()))
                if (po.has("port")) po.set("targetPort", po.get("port"));
        }
        if (needsNodePorts(type)) Nodes.defaultText(spec, "externalTrafficPolicy", "Cluster");
        if (type.equals("LoadBalancer")) Nodes.defaultBool(spec, "allocateLoadBalancerNodePorts", true);
        if (!type.equals("ExternalName")) {
            Nodes.defaultText(spec, "internalTrafficPolicy", "Cluster");
            // The REST layer fills the families (single-stack IPv4 cluster) when the client leaves them out.
            Nodes.defaultText(spec, "ipFamilyPolicy", "SingleStack");
            if (Nodes.arrOrNull(spec, "ipFamilies") == null || spec.get("ipFamilies").isEmpty()) spec.putArray("ipFamilies").add("IPv4");
            // clusterIP and clusterIPs mirror each other.
            String cip = Nodes.text(spec, "clusterIP");
            ArrayNode cips = Nodes.arrOrNull(spec, "clusterIPs");
            if (!cip.isEmpty() && (cips == null || cips.isEmpty())) spec.putArray("clusterIPs").add(cip);
            else if (cip.isEmpty() && cips != null && !cips.isEmpty()) spec.put("clusterIP", cips.path(0).asText());
        }
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        obj.putObject("status").putObject("loadBalancer");
    }

    /**
     * patchAllocatedValues: an update that leaves out clusterIP or nodePorts keeps the allocated ones; and
     * dropTypeDependentFields: a type change that leaves the old type's fields untouched drops them (NodePort ->
     * ClusterIP clears the node ports, -> ExternalName clears the cluster IPs), as kube-apiserver does.
     */
    @Override
    public void prepareForUpdate(ObjectNode n, ObjectNode o) {
        ObjectNode ns = Nodes.obj(n, "spec");
        JsonNode os = o.path("spec");
        String newType = Nodes.text(ns, "type");
        String oldType = Nodes.text(os, "type");
        if (!newType.equals(oldType)) dropTypeDependentFields(ns, os, oldType, newType);
        if (!newType.equals("ExternalName") && !Nodes.text(os, "type").equals("ExternalName")) {
            if (Nodes.text(ns, "clusterIP").isEmpty() && !Nodes.text(os, "clusterIP").isEmpty()) {
                ns.put("clusterIP", Nodes.text(os, "clusterIP"));
                if (os.has("clusterIPs")) ns.set("clusterIPs", os.get("clusterIPs").deepCopy());
            }
        }
        if (needsNodePorts(newType)) {
            ArrayNode ports = Nodes.arrOrNull(ns, "ports");
            if (ports != null) for (JsonNode p : ports) {
                if (!(p instanceof ObjectNode po) || po.path("nodePort").asLong(0) != 0) continue;
                for (JsonNode op : os.path("ports"))
                    if (op.path("port").asLong() == po.path("port").asLong() && Nodes.text(op, "protocol").equals(Nodes.text(po, "protocol"))
                            && op.path("nodePort").asLong(0) != 0) {
                        po.put("nodePort", op.path("nodePort").asLong());
                        break;
                    }
            }
        }
    }

    private static void dropTypeDependentFields(ObjectNode ns, JsonNode os, String oldType, String newType) {
        if (newType.equals("ExternalName") && Nodes.text(ns, "clusterIP").equals(Nodes.text(os, "clusterIP"))) {
            for (String f : List.of("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy")) ns.remove(f);
        }
        if (needsNodePorts(oldType) && !needsNodePorts(newType)) {
            ArrayNode ports = Nodes.arrOrNull(ns, "ports");
            boolean same = true;
            if (ports != null) for (JsonNode p : ports) {
                long np = p.path("nodePort").asLong(0);
                if (np == 0) continue;
                boolean found = false;
                for (JsonNode op : os.path("ports")) if (op.path("nodePort").asLong(0) == np) found = true;
                if (!found) same = false;
            }
            if (same && ports != null) for (JsonNode p : ports) if (p instanceof ObjectNode po) po.remove("nodePort");
            if (Nodes.text(ns, "externalTrafficPolicy").equals(Nodes.text(os, "externalTrafficPolicy")) && Nodes.arrOrNull(ns, "externalIPs") == null)
                ns.remove("externalTrafficPolicy");
        }
        if (oldType.equals("LoadBalancer") && !newType.equals("LoadBalancer")) {
            if (ns.path("allocateLoadBalancerNodePorts").equals(os.path("allocateLoadBalancerNodePorts"))) ns.remove("allocateLoadBalancerNodePorts");
            if (ns.path("healthCheckNodePort").equals(os.path("healthCheckNodePort"))) ns.remove("healthCheckNodePort");
        }
    }

    // ---------------------------------------------------------------- validation

    /** ValidateServiceName: a Service's name is a DNS label (it becomes one in DNS), checked once by the core. */
    @Override public io.wharf.apiserver.NameRule nameRule() { return io.wharf.apiserver.NameRule.DNS_1035_LABEL; }

    /** clusterIPs and nodePorts come from pools shared by all Services: allocate must not run twice at once. */
    @Override public boolean allocatesFromSharedPool() { return true; }

    @Override
    public List<FieldError> validateCreate(ObjectNode obj) {
        Check c = new Check();
        JsonNode spec = obj.path("spec");
        String type = Nodes.text(spec, "type");
        if (!TYPES.contains(type)) c.notSupported("spec.type", type, TYPES);
        String aff = Nodes.text(spec, "sessionAffinity");
        if (!aff.equals("None") && !aff.equals("ClientIP")) c.notSupported("spec.sessionAffinity", aff, List.of("ClientIP", "None"));
        String cip = Nodes.text(spec, "clusterIP");
        boolean headless = cip.equals("None");
        if (type.equals("ExternalName")) {
            if (!cip.isEmpty()) c.forbidden("spec.clusterIP", "may not be set for ExternalName services");
            String en = Nodes.text(spec, "externalName");
            if (en.isEmpty()) c.required("spec.externalName", "");
            else c.each("spec.externalName", en, Names.isDNS1123Subdomain(en.endsWith(".") ? en.substring(0, en.length() - 1) : en));
        } else {
            ArrayNode cips = Nodes.arrOrNull(spec, "clusterIPs");
            if (cips != null) for (int i = 0; i < cips.size(); i++) {
                String ip = cips.path(i).asText();
                if (ip.equals("None") && i == 0) continue;
                if (ipv4(ip) < 0 && !isIpv6(ip)) c.invalid("spec.clusterIPs[" + i + "]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
            }
            if (headless && type.equals("LoadBalancer")) c.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for LoadBalancer services");
            if (headless && type.equals("NodePort")) c.invalid("spec.clusterIPs[0]", "None", "may not be set to 'None' for NodePort services");
        }
        ArrayNode ports = Nodes.arrOrNull(spec, "ports");
        if ((ports == null || ports.isEmpty()) && !headless && !type.equals("ExternalName")) c.required("spec.ports", "");
        if (ports != null) {
            Set<String> names = new HashSet<>(), keys = new HashSet<>();
            for (int i = 0; i < ports.size(); i++) {
                JsonNode p = ports.path(i);
                String pp = "spec.ports[" + i + "]";
                String pn = Nodes.text(p, "name");
                if (ports.size() > 1 && pn.isEmpty()) c.required(pp + ".name", "");
                else if (!pn.isEmpty()) {
                    c.each(pp + ".name", pn, Names.isDNS1123Label(pn));
                    if (!names.add(pn)) c.add(FieldError.duplicate(pp + ".name", Nodes.str(pn)));
                }
                long port = p.path("port").asLong(0);
                for (String m : Names.isValidPortNum(port)) c.invalid(pp + ".port", Nodes.num(port), m);
                String proto = Nodes.text(p, "protocol");
                if (!PodSpecs.PROTOCOLS.contains(proto)) c.notSupported(pp + ".protocol", proto, PodSpecs.PROTOCOLS);
                JsonNode tp = p.get("targetPort");
                if (tp != null && !tp.isNull()) {
                    if (tp.isNumber()) for (String m : Names.isValidPortNum(tp.asLong())) c.invalid(pp + ".targetPort", Nodes.num(tp.asLong()), m);
                    else c.each(pp + ".targetPort", tp.asText(), Names.isValidPortName(tp.asText()));
                }
                long np = p.path("nodePort").asLong(0);
                if (np != 0 && !needsNodePorts(type)) c.forbidden(pp + ".nodePort", "may not be used when `type` is '" + type + "'");
                else if (np != 0) for (String m : Names.isValidPortNum(np)) c.invalid(pp + ".nodePort", Nodes.num(np), m);
                if (!keys.add(port + "/" + proto))
                    c.add(FieldError.duplicate(pp, Nodes.raw(goServicePort(p))));
            }
        }
        c.labels(spec.get("selector"), "spec.selector");
        ArrayNode ext = Nodes.arrOrNull(spec, "externalIPs");
        if (ext != null) for (int i = 0; i < ext.size(); i++) {
            String ip = ext.path(i).asText();
            if (ipv4(ip) < 0 && !isIpv6(ip)) c.invalid("spec.externalIPs[" + i + "]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
        String etp = Nodes.text(spec, "externalTrafficPolicy");
        if (!etp.isEmpty() && !needsNodePorts(type) && ext == null)
            c.invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services");
        return c.done();
    }

    static String goServicePort(JsonNode p) {
        JsonNode tp = p.get("targetPort");
        String tps = tp == null ? "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}" : tp.isNumber()
                ? "intstr.IntOrString{Type:0, IntVal:" + tp.asLong() + ", StrVal:\"\"}"
                : "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + Nodes.goQuote(tp.asText()) + "}";
        return "core.ServicePort{Name:" + Nodes.goQuote(Nodes.text(p, "name")) + ", Protocol:" + Nodes.goQuote(Nodes.text(p, "protocol"))
                + ", AppProtocol:(*string)(nil), Port:" + p.path("port").asLong() + ", TargetPort:" + tps + ", NodePort:" + p.path("nodePort").asLong() + "}";
    }

    @Override
    public List<FieldError> validateUpdate(ObjectNode n, ObjectNode o) {
        List<FieldError> errs = new ArrayList<>(validateCreate(n));
        JsonNode ns = n.path("spec"), os = o.path("spec");
        boolean externalNameInvolved = Nodes.text(ns, "type").equals("ExternalName") || Nodes.text(os, "type").equals("ExternalName");
        String oldIp = Nodes.text(os, "clusterIP"), newIp = Nodes.text(ns, "clusterIP");
        if (!externalNameInvolved && !oldIp.isEmpty() && !oldIp.equals(newIp))
            errs.add(FieldError.invalid("spec.clusterIPs[0]", Nodes.str(newIp), "may not change once set"));
        return errs;
    }

    // ---------------------------------------------------------------- allocation

    @Override
    public List<FieldError> allocate(ObjectNode n, ObjectNode o, ObjectReader objects) {
        ObjectNode spec = Nodes.obj(n, "spec");
        String type = Nodes.text(spec, "type");
        String ns = Nodes.meta(n, "namespace"), name = Nodes.meta(n, "name");
        Set<Long> usedIps = new HashSet<>();
        Set<Long> usedPorts = new HashSet<>();
        for (ObjectNode other : objects.list(serviceType, null)) {
            if (Nodes.meta(other, "namespace").equals(ns) && Nodes.meta(other, "name").equals(name)) continue;
            JsonNode os = other.path("spec");
            for (JsonNode ip : os.path("clusterIPs")) { long v = ipv4(ip.asText()); if (v >= 0) usedIps.add(v); }
            long v = ipv4(Nodes.text(os, "clusterIP"));
            if (v >= 0) usedIps.add(v);
            for (JsonNode p : os.path("ports")) if (p.path("nodePort").asLong(0) != 0) usedPorts.add(p.path("nodePort").asLong());
        }
        Check c = new Check();
        if (type.equals("ExternalName")) {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
            spec.remove("ipFamilies");
            spec.remove("ipFamilyPolicy");
        } else {
            String cip = Nodes.text(spec, "clusterIP");
            String oldIp = o == null ? "" : Nodes.text(o.path("spec"), "clusterIP");
            if (cip.equals("None")) {
                spec.putArray("clusterIPs").add("None");
            } else if (!cip.isEmpty()) {
                if (!cip.equals(oldIp)) {
                    long ip = ipv4(cip);
                    String err = null;
                    if (ip < 0 || !range.usable(ip))
                        err = "failed to allocate IP " + cip + ": the provided IP (" + cip + ") is not in the valid range. The range of valid IPs is " + range;
                    else if (usedIps.contains(ip)) err = "failed to allocate IP " + cip + ": provided IP is already allocated";
                    if (err != null) c.invalid("spec.clusterIPs", Nodes.raw("[]string{" + Nodes.goQuote(cip) + "}"), err);
                }
                spec.putArray("clusterIPs").add(cip);
            } else {
                long ip = pickIp(usedIps, ns.equals("default") && name.equals("kubernetes"));
                if (ip < 0) c.add(new FieldError(FieldError.Type.INTERNAL, "spec.clusterIPs", null, "failed to allocate a serviceIP: range is full"));
                else {
                    spec.put("clusterIP", format(ip));
                    spec.putArray("clusterIPs").add(format(ip));
                }
            }
        }
        if (needsNodePorts(type) && !(type.equals("LoadBalancer") && !spec.path("allocateLoadBalancerNodePorts").asBoolean(true))) {
            Set<Long> oldPorts = new HashSet<>();
            if (o != null) for (JsonNode p : o.path("spec").path("ports")) if (p.path("nodePort").asLong(0) != 0) oldPorts.add(p.path("nodePort").asLong());
            Set<Long> mine = new HashSet<>();
            ArrayNode ports = Nodes.arrOrNull(spec, "ports");
            if (ports != null) for (int i = 0; i < ports.size(); i++) {
                if (!(ports.path(i) instanceof ObjectNode p)) continue;
                long np = p.path("nodePort").asLong(0);
                if (np != 0) {
                    if (oldPorts.contains(np)) { mine.add(np); continue; }
                    if (np < nodePortMin || np > nodePortMax)
                        c.invalid("spec.ports[" + i + "].nodePort", Nodes.num(np), "provided port is not in the valid range. The range of valid ports is " + nodePortMin + "-" + nodePortMax);
                    else if (usedPorts.contains(np) || (mine.contains(np) && !samePortOtherProtocol(ports, i, np)))
                        c.invalid("spec.ports[" + i + "].nodePort", Nodes.num(np), "provided port is already allocated");
                    mine.add(np);
                }
            }
            if (ports != null) for (JsonNode pn : ports) {
                if (!(pn instanceof ObjectNode p) || p.path("nodePort").asLong(0) != 0) continue;
                Set<Long> taken = new HashSet<>(usedPorts);
                taken.addAll(mine);
                long np = pickPort(taken);
                if (np < 0) { c.add(new FieldError(FieldError.Type.INTERNAL, "spec.ports", null, "failed to allocate a nodePort: range is full")); break; }
                p.put("nodePort", np);
                mine.add(np);
            }
        }
        return c.done();
    }

    /** Kubernetes lets one Service use one node port for two protocols of the same port (TCP and UDP DNS). */
    private static boolean samePortOtherProtocol(ArrayNode ports, int idx, long np) {
        JsonNode me = ports.get(idx);
        for (int j = 0; j < idx; j++) {
            JsonNode p = ports.path(j);
            if (p.path("nodePort").asLong(0) == np && p.path("port").asLong() == me.path("port").asLong()
                    && !Nodes.text(p, "protocol").equals(Nodes.text(me, "protocol"))) return true;
        }
        return false;
    }

    /**
     * Picks a free address: the first usable one (10.96.0.1) only for default/kubernetes; others at random, preferring
     * the upper band as Kubernetes does (the lower band is kept for addresses users request, like kube-dns's .10).
     */
    long pickIp(Set<Long> used, boolean kubernetesService) {
        long first = range.base() + 1;
        if (kubernetesService && !used.contains(first)) return first;
        long size = range.size() - 2;
        long lowBand = Math.min(256, Math.max(16, size / 16));
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 64; attempt++) {
            long ip = first + lowBand + r.nextLong(size - lowBand);
            if (ip != first && !used.contains(ip)) return ip;
        }
        for (long off = 1; off < size; off++) {
            long ip = first + off;
            if (!used.contains(ip)) return ip;
        }
        return -1;
    }

    long pickPort(Set<Long> used) {
        int span = nodePortMax - nodePortMin + 1;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 64; attempt++) {
            long p = nodePortMin + r.nextInt(span);
            if (!used.contains(p)) return p;
        }
        for (long p = nodePortMin; p <= nodePortMax; p++) if (!used.contains(p)) return p;
        return -1;
    }

    /** ServiceSelectableFields (kube-proxy and the endpoints controllers select by these). */
    @Override
    public List<String> selectableFields() { return List.of("spec.clusterIP", "spec.type"); }

    // ---------------------------------------------------------------- table

    @Override
    public List<TableColumn> tableColumns() {
        return List.of(TableColumn.NAME,
                Printing.col("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
                Printing.col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
                Printing.col("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                Printing.col("Port(s)", "string", "The list of ports that are exposed by this service."),
                TableColumn.AGE,
                Printing.wide("Selector", "string", "Route service traffic to pods with label keys and values matching this selector."));
    }

    @Override
    public List<Object> tableRow(ObjectNode o) {
        JsonNode spec = o.path("spec");
        List<Object> row = new ArrayList<>();
        row.add(Printing.name(o));
        String type = Nodes.text(spec, "type");
        row.add(type);
        JsonNode cips = spec.path("clusterIPs");
        row.add(cips.size() > 0 ? cips.path(0).asText() : Nodes.text(spec, "clusterIP").isEmpty() ? "<none>" : Nodes.text(spec, "clusterIP"));
        row.add(externalIp(o));
        List<String> pieces = new ArrayList<>();
        for (JsonNode p : spec.path("ports")) {
            long np = p.path("nodePort").asLong(0);
            pieces.add(np > 0 ? p.path("port").asLong() + ":" + np + "/" + Nodes.text(p, "protocol") : p.path("port").asLong() + "/" + Nodes.text(p, "protocol"));
        }
        row.add(pieces.isEmpty() ? "<none>" : String.join(",", pieces));
        row.add(Printing.age(o));
        row.add(Printing.labelMap(spec.get("selector")));
        return row;
    }

    private static String externalIp(JsonNode svc) {
        JsonNode spec = svc.path("spec");
        List<String> ext = new ArrayList<>();
        for (JsonNode e : spec.path("externalIPs")) ext.add(e.asText());
        switch (Nodes.text(spec, "type")) {
            case "ClusterIP", "NodePort" -> { return ext.isEmpty() ? "<none>" : String.join(",", ext); }
            case "LoadBalancer" -> {
                List<String> lb = new ArrayList<>();
                for (JsonNode ing : svc.path("status").path("loadBalancer").path("ingress")) {
                    if (!Nodes.text(ing, "ip").isEmpty()) lb.add(Nodes.text(ing, "ip"));
                    else if (!Nodes.text(ing, "hostname").isEmpty()) lb.add(Nodes.text(ing, "hostname"));
                }
                lb.addAll(ext);
                return lb.isEmpty() ? "<pending>" : String.join(",", lb);
            }
            case "ExternalName" -> { return Nodes.text(spec, "externalName"); }
            default -> { return "<unknown>"; }
        }
    }
}
