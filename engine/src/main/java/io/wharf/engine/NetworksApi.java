package io.wharf.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.engine.wire.Filters;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;
import io.wharf.network.AttachRequest;
import io.wharf.network.Endpoint;
import io.wharf.network.Network;
import io.wharf.network.NetworkCreateRequest;
import io.wharf.network.NetworkManager;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The /networks endpoints, delegating to the network module. */
final class NetworksApi {
    private final Containers containers;
    private final NetworkManager net;

    NetworksApi(Containers containers) {
        this.containers = containers;
        this.net = containers.network();
    }

    void routes(Router r) {
        r.add("GET", "/networks", this::list);
        r.add("POST", "/networks/create", this::create);
        r.add("POST", "/networks/prune", this::prune);
        r.add("GET", "/networks/{id}", (q, s) -> s.json(200, wire(net.get(q.param("id")), true)));
        r.add("DELETE", "/networks/{id}", this::remove);
        r.add("POST", "/networks/{id}/connect", this::connect);
        r.add("POST", "/networks/{id}/disconnect", this::disconnect);
    }

    Map<String, Object> wire(Network n, boolean withContainers) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Name", n.name());
        m.put("Id", n.id());
        m.put("Created", Wire.time(n.created()));
        m.put("Scope", "local");
        m.put("Driver", n.driver());
        m.put("EnableIPv4", true);
        m.put("EnableIPv6", false);
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", null);
        List<Object> cfg = new ArrayList<>();
        if (n.subnet() != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Subnet", n.subnet());
            if (n.gateway() != null) c.put("Gateway", n.gateway());
            cfg.add(c);
        }
        ipam.put("Config", cfg);
        m.put("IPAM", ipam);
        m.put("Internal", n.internal());
        m.put("Attachable", false);
        m.put("Ingress", false);
        m.put("ConfigFrom", Map.of("Network", ""));
        m.put("ConfigOnly", false);
        Map<String, Object> cs = new LinkedHashMap<>();
        if (withContainers && n.usesBridgeDriver()) {
            for (Endpoint ep : net.endpoints(n.id())) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("Name", ep.containerName() == null ? "" : ep.containerName());
                e.put("EndpointID", ep.endpointId());
                e.put("MacAddress", ep.macAddress());
                e.put("IPv4Address", ep.ipv4Cidr());
                e.put("IPv6Address", "");
                cs.put(ep.containerId(), e);
            }
        }
        m.put("Containers", cs);
        Map<String, String> opts = new LinkedHashMap<>(n.options());
        if (n.bridge() != null && !n.userDefined()) opts.putIfAbsent("com.docker.network.bridge.name", n.bridge());
        m.put("Options", opts);
        m.put("Labels", n.labels());
        return m;
    }

    void list(HttpRequest req, HttpResponse resp) throws IOException {
        Filters f = req.filters();
        List<Object> out = new ArrayList<>();
        for (Network n : net.list()) {
            if (!f.match("name", v -> n.name().contains(v))) continue;
            if (!f.match("id", v -> n.id().startsWith(v))) continue;
            if (!f.match("driver", v -> n.driver().equals(v))) continue;
            if (!f.match("type", v -> v.equals("custom") == n.userDefined())) continue;
            if (!f.matchLabels("label", n.labels())) continue;
            out.add(wire(n, false));
        }
        resp.json(200, out);
    }

    void create(HttpRequest req, HttpResponse resp) throws IOException {
        JsonNode b = req.json(JsonNode.class, null);
        if (b == null) throw WharfException.invalid("network config cannot be empty");
        String subnet = null, gateway = null;
        JsonNode cfg = b.path("IPAM").path("Config");
        if (cfg.isArray() && !cfg.isEmpty()) {
            subnet = cfg.get(0).path("Subnet").asText(null);
            gateway = cfg.get(0).path("Gateway").asText(null);
        }
        String driver = b.path("Driver").asText("");
        Network n = net.create(new NetworkCreateRequest(b.path("Name").asText(""), driver.isEmpty() ? "bridge" : driver, subnet, gateway,
                b.path("Internal").asBoolean(false), VolumesApi.map(b.path("Labels")), VolumesApi.map(b.path("Options"))));
        containers.events().emit("network", "create", n.id(), Map.of("name", n.name(), "type", n.driver()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", n.id());
        m.put("Warning", "");
        resp.json(201, m);
    }

    void remove(HttpRequest req, HttpResponse resp) throws IOException {
        Network n = net.get(req.param("id"));
        net.remove(n.id());
        containers.events().emit("network", "destroy", n.id(), Map.of("name", n.name(), "type", n.driver()));
        resp.status(204);
    }

    void prune(HttpRequest req, HttpResponse resp) throws IOException {
        List<String> deleted = new ArrayList<>();
        for (Network n : net.list()) {
            if (!n.userDefined() || !net.endpoints(n.id()).isEmpty()) continue;
            try {
                net.remove(n.id());
                deleted.add(n.name());
                containers.events().emit("network", "destroy", n.id(), Map.of("name", n.name(), "type", n.driver()));
            } catch (WharfException ignored) {
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("NetworksDeleted", deleted.isEmpty() ? null : deleted);
        resp.json(200, m);
    }

    void connect(HttpRequest req, HttpResponse resp) throws IOException {
        Network n = net.get(req.param("id"));
        JsonNode b = req.json(JsonNode.class, Json.MAPPER.createObjectNode());
        Container c = containers.get(b.path("Container").asText(""));
        JsonNode epc = b.path("EndpointConfig");
        List<String> aliases = ExecApi.strings(epc.path("Aliases"));
        String ip = epc.path("IPAMConfig").path("IPv4Address").asText(null);
        if (!n.driver().equals("bridge")) {
            throw WharfException.invalid("container cannot be disconnected from host network or connected to host network");
        }
        synchronized (c) {
            String mode = c.networkMode();
            if (mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
                throw WharfException.invalid("container sharing network namespace with another container or host cannot be connected to any other network");
            }
            if (c.networks.containsKey(n.name())) {
                throw new WharfException(io.wharf.common.ErrorKind.PERMISSION_DENIED, String.format("endpoint with name %s already exists in network %s", c.bareName(), n.name()));
            }
            if (c.state.running && c.netnsPath != null) {
                Endpoint ep = net.attach(new AttachRequest(c.id, c.bareName(), n.id(), java.nio.file.Path.of(c.netnsPath), aliases, List.of(), ip));
                containers.recordEndpoint(c, ep);
            } else {
                // dockerd records the endpoint of a stopped container and attaches it at the next start
                c.networks.put(n.name(), new Container.NetEndpoint(n.id(), "", "", "", 0, "", aliases, List.of()));
            }
            // kept in EndpointsConfig so every later start attaches it again
            if (c.endpointsConfig == null) c.endpointsConfig = Json.MAPPER.createObjectNode();
            c.endpointsConfig.set(n.name(), epc.isObject() ? epc.deepCopy() : Json.MAPPER.createObjectNode());
            containers.save(c);
        }
        containers.events().emit("network", "connect", n.id(), Map.of("container", c.id, "name", n.name(), "type", n.driver()));
        resp.send(200, "application/json", new byte[0]);
    }

    void disconnect(HttpRequest req, HttpResponse resp) throws IOException {
        Network n = net.get(req.param("id"));
        JsonNode b = req.json(JsonNode.class, Json.MAPPER.createObjectNode());
        Container c = containers.get(b.path("Container").asText(""));
        synchronized (c) {
            if (!c.networks.containsKey(n.name())) {
                throw new WharfException(io.wharf.common.ErrorKind.PERMISSION_DENIED, String.format("container %s is not connected to network %s", c.id, n.name()));
            }
            if (c.state.running) net.detach(c.id, n.id());
            c.networks.remove(n.name());
            if (c.endpointsConfig != null) {
                c.endpointsConfig.remove(n.name());
                c.endpointsConfig.remove(n.id());
            }
            containers.save(c);
        }
        containers.events().emit("network", "disconnect", n.id(), Map.of("container", c.id, "name", n.name(), "type", n.driver()));
        resp.send(200, "application/json", new byte[0]);
    }
}
