package io.wharf.controllers;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointAddressBuilder;
import io.fabric8.kubernetes.api.model.EndpointPort;
import io.fabric8.kubernetes.api.model.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.EndpointSubsetBuilder;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.EndpointsBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Endpoints and EndpointSlice controllers in one (pkg/controller/endpoint, endpointslice): for each Service with
 * a selector, the pods it selects that have an IP: ready ones in {@code addresses}, the others in
 * {@code notReadyAddresses} (all ready with publishNotReadyAddresses); target ports resolved per pod (named ports
 * included) and pods grouped into subsets by their resolved ports. EndpointSlices of up to 100 endpoints (label
 * {@code kubernetes.io/service-name}, owned by the Service) with ready/serving/terminating conditions. Writes only
 * when the content changes.
 */
public final class EndpointsController extends Controller {
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String SLICE_CONTROLLER = "endpointslice-controller.k8s.io";
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    static final int MAX_ENDPOINTS_PER_SLICE = 100;

    private final Informers informers;
    private final ApiWriter writer;

    public EndpointsController(Informers informers, ApiWriter writer, int workers) {
        super("endpoints-controller", workers);
        this.informers = informers;
        this.writer = writer;
        informers.of(Service.class).addEventHandler(enqueueSelf());
        informers.of(Endpoints.class);
        informers.of(EndpointSlice.class).addEventHandler(enqueue(s -> {
            var l = s.getMetadata().getLabels();
            return l != null && SLICE_CONTROLLER.equals(l.get(MANAGED_BY)) && l.get(SERVICE_NAME) != null
                    ? List.of(s.getMetadata().getNamespace() + "/" + l.get(SERVICE_NAME)) : List.of();
        }));
        informers.of(Pod.class).addEventHandler(enqueue(this::servicesFor));
    }

    private List<String> servicesFor(Pod p) {
        List<String> keys = new ArrayList<>();
        for (Service s : informers.list(Service.class, p.getMetadata().getNamespace())) {
            Map<String, String> sel = s.getSpec().getSelector();
            if (sel == null || sel.isEmpty()) continue;
            Map<String, String> l = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
            if (l.entrySet().containsAll(sel.entrySet())) keys.add(key(s));
        }
        return keys;
    }

    @Override
    protected void onStart() {
        informers.list(Service.class).forEach(s -> queue.add(key(s)));
    }

    @Override
    public void reconcile(String key) {
        String ns = namespaceOf(key), name = nameOf(key);
        Service svc = informers.get(Service.class, key);
        if (svc == null) {
            Endpoints ep = informers.get(Endpoints.class, key);
            if (ep != null && (ep.getMetadata().getLabels() == null || !"true".equals(ep.getMetadata().getLabels().get("wharf.io/manual")))) {
                // Kubernetes deletes the Endpoints of a deleted Service (slices go with their owner)
                try {
                    writer.delete(ep);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) throw e;
                }
            }
            return;
        }
        Map<String, String> sel = svc.getSpec().getSelector();
        if (sel == null || sel.isEmpty()) return; // endpoints of selector-less services are the user's
        boolean publishNotReady = Boolean.TRUE.equals(svc.getSpec().getPublishNotReadyAddresses());
        List<Pod> pods = new ArrayList<>();
        for (Pod p : informers.list(Pod.class, ns)) {
            Map<String, String> l = p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels();
            if (!l.entrySet().containsAll(sel.entrySet())) continue;
            if (p.getStatus() == null || p.getStatus().getPodIP() == null || p.getStatus().getPodIP().isEmpty()) continue;
            String phase = p.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) continue;
            if (p.getMetadata().getDeletionTimestamp() != null && !publishNotReady) continue;
            pods.add(p);
        }
        pods.sort(Comparator.comparing((Pod p) -> p.getStatus().getPodIP()).thenComparing(p -> p.getMetadata().getName()));
        syncEndpoints(svc, pods, publishNotReady);
        syncSlice(svc, pods, publishNotReady);
    }

    private static EndpointAddress address(Pod p) {
        return new EndpointAddressBuilder().withIp(p.getStatus().getPodIP()).withNodeName(p.getSpec().getNodeName())
                .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(p.getMetadata().getName())
                        .withNamespace(p.getMetadata().getNamespace()).withUid(p.getMetadata().getUid()).build()).build();
    }

    /** The ports a pod serves for the service, or null when a named targetPort is missing on the pod. */
    static List<EndpointPort> ports(Service svc, Pod p) {
        List<EndpointPort> out = new ArrayList<>();
        for (ServicePort sp : svc.getSpec().getPorts() == null ? List.<ServicePort>of() : svc.getSpec().getPorts()) {
            Integer port = resolve(sp, p);
            if (port == null) continue;
            out.add(new EndpointPortBuilder().withName(sp.getName()).withPort(port).withProtocol(sp.getProtocol() == null ? "TCP" : sp.getProtocol())
                    .withAppProtocol(sp.getAppProtocol()).build());
        }
        return out;
    }

    static Integer resolve(ServicePort sp, Pod p) {
        IntOrString t = sp.getTargetPort();
        if (t == null) return sp.getPort();
        if (t.getIntVal() != null) return t.getIntVal();
        String named = t.getStrVal();
        if (named == null || named.isEmpty()) return sp.getPort();
        try {
            return Integer.parseInt(named);
        } catch (NumberFormatException ignored) { /* a port name */ }
        for (Container c : p.getSpec().getContainers())
            if (c.getPorts() != null)
                for (ContainerPort cp : c.getPorts())
                    if (named.equals(cp.getName()) && Objects.equals(cp.getProtocol() == null ? "TCP" : cp.getProtocol(), sp.getProtocol() == null ? "TCP" : sp.getProtocol()))
                        return cp.getContainerPort();
        return null;
    }

    private void syncEndpoints(Service svc, List<Pod> pods, boolean publishNotReady) {
        Map<List<EndpointPort>, EndpointSubsetBuilder> subsets = new LinkedHashMap<>();
        for (Pod p : pods) {
            List<EndpointPort> ports = ports(svc, p);
            EndpointSubsetBuilder b = subsets.computeIfAbsent(ports, k -> new EndpointSubsetBuilder().withPorts(k.isEmpty() ? null : k));
            if (publishNotReady || Pods.isReady(p)) b.addToAddresses(address(p));
            else b.addToNotReadyAddresses(address(p));
        }
        List<EndpointSubset> want = new ArrayList<>();
        for (EndpointSubsetBuilder b : subsets.values()) want.add(b.build());
        Map<String, String> labels = new LinkedHashMap<>(svc.getMetadata().getLabels() == null ? Map.of() : svc.getMetadata().getLabels());
        if ("None".equals(svc.getSpec().getClusterIP())) labels.put("service.kubernetes.io/headless", "");
        Endpoints cur = informers.get(Endpoints.class, svc.getMetadata().getNamespace(), svc.getMetadata().getName());
        if (cur == null) {
            writer.create(new EndpointsBuilder().withNewMetadata().withName(svc.getMetadata().getName()).withNamespace(svc.getMetadata().getNamespace())
                    .withLabels(labels.isEmpty() ? null : labels).endMetadata().withSubsets(want.isEmpty() ? null : want).build());
            return;
        }
        List<EndpointSubset> have = cur.getSubsets() == null ? List.of() : cur.getSubsets();
        Map<String, String> haveLabels = cur.getMetadata().getLabels() == null ? Map.of() : cur.getMetadata().getLabels();
        if (normalize(have).equals(normalize(want)) && haveLabels.equals(labels)) return;
        writer.update(new EndpointsBuilder(cur).editMetadata().withLabels(labels.isEmpty() ? null : labels).endMetadata()
                .withSubsets(want.isEmpty() ? null : want).build());
    }

    /** Subsets compared by content: null and empty lists alike. */
    private static List<String> normalize(List<EndpointSubset> subsets) {
        List<String> out = new ArrayList<>();
        for (EndpointSubset s : subsets) {
            out.add("A" + addrs(s.getAddresses()) + "N" + addrs(s.getNotReadyAddresses()) + "P"
                    + (s.getPorts() == null ? "" : s.getPorts().stream().map(p -> p.getName() + ":" + p.getPort() + "/" + p.getProtocol()).toList()));
        }
        return out;
    }

    private static String addrs(List<EndpointAddress> a) {
        if (a == null) return "[]";
        return a.stream().map(x -> x.getIp() + "@" + x.getNodeName() + "#" + (x.getTargetRef() == null ? "" : x.getTargetRef().getUid())).toList().toString();
    }

    private void syncSlice(Service svc, List<Pod> pods, boolean publishNotReady) {
        String ns = svc.getMetadata().getNamespace(), name = svc.getMetadata().getName();
        List<Endpoint> eps = new ArrayList<>();
        List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports = null;
        for (Pod p : pods) {
            boolean terminating = p.getMetadata().getDeletionTimestamp() != null;
            boolean ready = Pods.isReady(p);
            eps.add(new EndpointBuilder().withAddresses(p.getStatus().getPodIP())
                    .withNewConditions().withReady((publishNotReady || ready) && !terminating).withServing(ready).withTerminating(terminating).endConditions()
                    .withNodeName(p.getSpec().getNodeName())
                    .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(p.getMetadata().getName()).withNamespace(ns).withUid(p.getMetadata().getUid()).build())
                    .build());
            if (ports == null) {
                ports = new ArrayList<>();
                for (EndpointPort ep : ports(svc, p))
                    ports.add(new io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder().withName(ep.getName() == null ? "" : ep.getName())
                            .withPort(ep.getPort()).withProtocol(ep.getProtocol()).withAppProtocol(ep.getAppProtocol()).build());
            }
        }
        if (ports == null) ports = new ArrayList<>();
        // at most 100 endpoints a slice (--max-endpoints-per-slice), existing slices reused in name order
        List<EndpointSlice> have = new ArrayList<>();
        for (EndpointSlice sl : informers.list(EndpointSlice.class, ns)) {
            var l = sl.getMetadata().getLabels();
            if (l != null && name.equals(l.get(SERVICE_NAME)) && SLICE_CONTROLLER.equals(l.get(MANAGED_BY))) have.add(sl);
        }
        have.sort(Comparator.comparing(sl -> sl.getMetadata().getName()));
        List<List<Endpoint>> chunks = new ArrayList<>();
        for (int i = 0; i < eps.size(); i += MAX_ENDPOINTS_PER_SLICE) chunks.add(eps.subList(i, Math.min(eps.size(), i + MAX_ENDPOINTS_PER_SLICE)));
        if (chunks.isEmpty()) chunks.add(List.of()); // a service with no endpoints still has one (empty) slice
        for (int i = 0; i < chunks.size(); i++) {
            List<Endpoint> chunk = new ArrayList<>(chunks.get(i));
            if (i >= have.size()) {
                writer.create(new EndpointSliceBuilder().withNewMetadata().withGenerateName(name + "-").withNamespace(ns)
                        .addToLabels(SERVICE_NAME, name).addToLabels(MANAGED_BY, SLICE_CONTROLLER)
                        .withOwnerReferences(Pods.newControllerRef(svc, "v1", "Service")).endMetadata()
                        .withAddressType("IPv4").withEndpoints(chunk).withPorts(ports).build());
                continue;
            }
            EndpointSlice cur = have.get(i);
            List<Endpoint> haveEps = cur.getEndpoints() == null ? List.of() : cur.getEndpoints();
            var havePorts = cur.getPorts() == null ? List.<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort>of() : cur.getPorts();
            if (sliceKey(haveEps).equals(sliceKey(chunk)) && portKey(havePorts).equals(portKey(ports))) continue;
            writer.update(new EndpointSliceBuilder(cur).withEndpoints(chunk).withPorts(ports).build());
        }
        for (int i = chunks.size(); i < have.size(); i++) {
            try {
                writer.delete(have.get(i));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) throw e;
            }
        }
    }

    private static List<String> sliceKey(List<Endpoint> eps) {
        return eps.stream().map(e -> e.getAddresses() + "|" + (e.getConditions() == null ? "" : e.getConditions().getReady() + "," + e.getConditions().getServing()
                + "," + e.getConditions().getTerminating()) + "|" + e.getNodeName() + "|" + (e.getTargetRef() == null ? "" : e.getTargetRef().getUid())).toList();
    }

    private static List<String> portKey(List<io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort> ports) {
        return ports.stream().map(p -> (p.getName() == null ? "" : p.getName()) + ":" + p.getPort() + "/" + p.getProtocol()).toList();
    }
}
