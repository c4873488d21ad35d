package io.wharf.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.AtomicFiles;
import io.wharf.common.Component;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Docker-style container networking for the engine: networks (default {@code bridge} on Linux bridge
 * {@code wharf0}, {@code host}, {@code none}, user-defined bridges), network namespaces ("sandboxes"), CNI
 * attach/detach (bridge + host-local, portmap when ports are published; FORWARD/masquerade as per-network
 * iptables rules rather than the firewall plugin, see README.md), published ports, and an embedded DNS server per
 * user-defined network.
 *
 * <h2>What the engine calls, in order</h2>
 * <pre>
 * start()                                    once, at engine start (loads state, creates bridge/host/none,
 *                                            restarts DNS servers, re-registers names of live endpoints)
 * docker run / start (NetworkMode.parse):
 *   Bridge(net): p = createSandbox(cid)      netns with lo up, bind-mounted at netnsDir/cid
 *                ep = attach(new AttachRequest(cid, name, net, p, aliases, ports, ip))   CNI ADD; ports only
 *                                            on the first network; throws CONFLICT for a taken host port
 *                write resolvConf(eps, dns, search, opts) and hosts(hostname, eps, extraHosts) into the
 *                container, then start it with OCI linux.namespaces network path = p
 *   None:        p = createSandbox(cid); resolvConf(List.of(), ...); no attach
 *   Host:        no netns in the OCI spec; hostResolvConf(); the host's /etc/hosts
 *   Container(x): reuse sandboxPath(x) and x's resolv.conf/hosts; no sandbox of its own
 * docker network connect/disconnect on a running container: attach(...) / detach(cid, net)
 * container stopped (exit, kill, stop) or removed: detachAll(cid) then removeSandbox(cid)
 *                                            (works after a Wharf restart: results are persisted)
 * after start(), for containers found dead: detachAll(cid); removeSandbox(cid) (sandboxes() lists the live
 *                                            namespaces; start() already released endpoints whose netns is gone)
 * docker rename: rename(cid, newName)       re-registers DNS names
 * close()                                    at engine stop: stops DNS servers only; containers keep their
 *                                            networking (CNI state and iptables stay), as with dockerd live-restore
 * </pre>
 *
 * <p>All methods are thread-safe and blocking (call them on virtual threads). Errors are {@link WharfException}s:
 * NOT_FOUND (unknown network/endpoint), ALREADY_EXISTS (network name taken), CONFLICT (port already allocated,
 * network has active endpoints, subnet overlap), PERMISSION_DENIED (removing a predefined network),
 * INVALID_ARGUMENT, INTERNAL (a plugin or ip(8) failed; the message carries its output).
 */
public final class NetworkManager implements Component {
    private static final System.Logger LOG = System.getLogger(NetworkManager.class.getName());
    static final int EPHEMERAL_LOW = 32768;
    static final int EPHEMERAL_HIGH = 60999;
    private static final String FORWARD_CHAIN = "WHARF-FORWARD";
    private static final String ISOLATION1 = "WHARF-ISOLATION-1";
    private static final String ISOLATION2 = "WHARF-ISOLATION-2";
    private static final String NAT_CHAIN = "WHARF-POSTROUTING";
    private static final String INPUT_CHAIN = "WHARF-INPUT";

    private final NetworkConfig config;
    private final Cni cni;
    private final SecureRandom random = new SecureRandom();
    /** Guards networks, attachments, pending and the port cursor. Never held while a plugin or ip(8) runs long. */
    private final Object lock = new Object();
    private final Map<String, Network> networks = new LinkedHashMap<>();
    /** containerId -> networkId -> attachment, in attach order. */
    private final Map<String, Map<String, Attachment>> attachments = new LinkedHashMap<>();
    /** Attachments in flight (CNI ADD running): they hold their interface name, ports and the network. */
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<String, DnsServer> dnsServers = new ConcurrentHashMap<>();
    private int portCursor = EPHEMERAL_LOW;
    private volatile boolean started;

    private record Pending(String containerId, String networkId, String ifName, List<PortBinding> ports) {}

    public NetworkManager(NetworkConfig config) {
        this.config = config;
        this.cni = new Cni(config.cniPath());
    }

    public NetworkConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "network";
    }

    private Path networksDir() {
        return config.root().resolve("networks");
    }

    private Path endpointsDir() {
        return config.root().resolve("endpoints");
    }

    private Path ipamDir() {
        return config.root().resolve("ipam");
    }

    /** Loads persisted networks, ensures the predefined ones and their bridges/routes, starts DNS servers. */
    @Override
    public void start() {
        try {
            Files.createDirectories(networksDir());
            Files.createDirectories(endpointsDir());
            Files.createDirectories(ipamDir());
            Files.createDirectories(config.netnsDir());
        } catch (IOException e) {
            throw WharfException.internal("cannot create network state directories under " + config.root() + ": " + e.getMessage(), e);
        }
        Host.enableIpForward();
        ensureBaseRules();
        List<Attachment> loaded = new ArrayList<>();
        synchronized (lock) {
            for (Network n : readAll(networksDir(), Network.class)) networks.put(n.id(), n);
            try (Stream<Path> dirs = Files.list(endpointsDir())) {
                for (Path d : dirs.filter(Files::isDirectory).toList()) {
                    for (Attachment a : readAll(d, Attachment.class)) loaded.add(a);
                }
            } catch (IOException e) {
                throw WharfException.internal("cannot read " + endpointsDir() + ": " + e.getMessage(), e);
            }
            for (Attachment a : loaded) {
                attachments.computeIfAbsent(a.endpoint().containerId(), k -> new LinkedHashMap<>()).put(a.endpoint().networkId(), a);
            }
            if (config.createDefaultNetworks()) {
                ensurePredefined(Network.NONE, "null");
                ensurePredefined(Network.HOST, "host");
                ensureDefaultBridge();
            }
        }
        for (Network n : list()) {
            if (n.usesBridgeDriver()) {
                try {
                    setUpNetwork(n);
                } catch (WharfException e) {
                    LOG.log(System.Logger.Level.WARNING, "network " + n.name() + ": " + e.getMessage());
                }
            }
        }
        // Endpoints whose namespace is gone (host reboot, crash between removeSandbox and detach): release them now
        // so their addresses, ports and iptables rules do not leak; re-register the others' names.
        for (Attachment a : loaded) {
            if (a.result() == null || !isNetnsMount(a.endpoint().netns())) {
                LOG.log(System.Logger.Level.INFO, "releasing stale endpoint of " + a.endpoint().containerId() + " on " + a.endpoint().networkName());
                doDetach(a);
            } else {
                registerDns(a.endpoint());
            }
        }
        cleanStaleSandboxFiles();
        releaseOrphanLeases();
        started = true;
    }

    /** Stops the DNS servers. Leaves bridges, namespaces and rules in place for running containers. */
    @Override
    public void close() {
        started = false;
        dnsServers.values().forEach(DnsServer::close);
        dnsServers.clear();
    }

    // ---- networks ----

    /** All networks, predefined ones first, then by name. */
    public List<Network> list() {
        synchronized (lock) {
            return networks.values().stream()
                    .sorted(Comparator.comparing((Network n) -> n.userDefined()).thenComparing(Network::name))
                    .toList();
        }
    }

    /**
     * A network by full ID, name, or unique ID prefix (docker's lookup order). NOT_FOUND:
     * {@code network X not found}.
     */
    public Network get(String idOrName) {
        synchronized (lock) {
            return lookup(idOrName);
        }
    }

    private Network lookup(String idOrName) {
        if (idOrName == null || idOrName.isEmpty()) throw WharfException.notFound("network %s not found", idOrName);
        Network byId = networks.get(idOrName);
        if (byId != null) return byId;
        for (Network n : networks.values()) if (n.name().equals(idOrName)) return n;
        Network found = null;
        for (Network n : networks.values()) {
            if (n.id().startsWith(idOrName)) {
                if (found != null) throw WharfException.invalid("network %s is ambiguous", idOrName);
                found = n;
            }
        }
        if (found == null) throw WharfException.notFound("network %s not found", idOrName);
        return found;
    }

    private Network byName(String name) {
        for (Network n : networks.values()) if (n.name().equals(name)) return n;
        return null;
    }

    /**
     * Creates a user-defined bridge network: persists it, adds the unreachable fallback route for its subnet,
     * creates the bridge with the gateway address and starts its DNS server. ALREADY_EXISTS
     * ({@code network with name X already exists}); CONFLICT when the subnet overlaps another network or a host
     * route ({@code Pool overlaps with other one on this address space}).
     */
    public Network create(NetworkCreateRequest request) {
        Network n;
        synchronized (lock) {
            if (byName(request.name()) != null)
                throw WharfException.alreadyExists("network with name %s already exists", request.name());
            Cidr subnet;
            if (request.subnet() != null) {
                subnet = Cidr.parse(request.subnet());
                Set<String> ours = new HashSet<>();
                for (Network other : networks.values()) {
                    if (other.cidr() != null && other.cidr().overlaps(subnet))
                        throw WharfException.conflict("invalid pool request: Pool overlaps with other one on this address space");
                    if (other.bridge() != null) ours.add(other.bridge());
                }
                // a bridge on a range the host already routes elsewhere would hijack that traffic
                for (Cidr used : Host.usedRanges(ours)) {
                    if (used.overlaps(subnet))
                        throw WharfException.conflict("invalid pool request: Pool overlaps with other one on this address space (host route %s)", used);
                }
            } else {
                subnet = pickSubnet(userCandidates(), null);
            }
            String gateway = request.gateway() != null ? request.gateway() : subnet.host(1);
            String id = randomId();
            String bridge = request.options().get(NetworkCreateRequest.BRIDGE_NAME_OPTION);
            if (bridge == null || bridge.isEmpty()) bridge = config.userBridgePrefix() + id.substring(0, 15 - config.userBridgePrefix().length());
            if (bridge.length() > 15 || !bridge.matches("[a-zA-Z0-9_.-]+"))
                throw WharfException.invalid("invalid bridge name %s", bridge);
            for (Network other : networks.values()) {
                if (bridge.equals(other.bridge())) throw WharfException.conflict("bridge name %s is already used by network %s", bridge, other.name());
            }
            n = new Network(id, request.name(), "bridge", Instant.now(), subnet.toString(), gateway, bridge,
                    request.internal(), true, request.labels(), request.options());
            networks.put(id, n);
        }
        try {
            persist(n);
            setUpNetwork(n);
        } catch (RuntimeException e) {
            synchronized (lock) {
                networks.remove(n.id());
            }
            tearDownNetwork(n);
            deleteQuietly(networksDir().resolve(n.id() + ".json"));
            throw e;
        }
        return n;
    }

    /**
     * Removes a user-defined network: its bridge, DNS server, fallback route, IPAM data and isolation rules.
     * PERMISSION_DENIED for bridge/host/none ({@code bridge is a pre-defined network and cannot be removed});
     * CONFLICT while endpoints are attached ({@code error while removing network: network X id Y has active
     * endpoints}).
     */
    public void remove(String idOrName) {
        Network n;
        synchronized (lock) {
            n = lookup(idOrName);
            if (!n.userDefined())
                throw new WharfException(ErrorKind.PERMISSION_DENIED, n.name() + " is a pre-defined network and cannot be removed");
            if (hasEndpoints(n.id()))
                throw WharfException.conflict("error while removing network: network %s id %s has active endpoints", n.name(), n.id());
            networks.remove(n.id());
        }
        // Tear down before forgetting: a crash in between leaves a network that start() sets up again and that can
        // be removed again, never an orphaned bridge or rule set without a record.
        tearDownNetwork(n);
        deleteQuietly(networksDir().resolve(n.id() + ".json"));
    }

    private boolean hasEndpoints(String networkId) {
        for (Map<String, Attachment> m : attachments.values()) if (m.containsKey(networkId)) return true;
        for (Pending p : pending.values()) if (p.networkId().equals(networkId)) return true;
        return false;
    }

    /** Endpoints attached to a network (docker's network inspect "Containers"). */
    public List<Endpoint> endpoints(String networkIdOrName) {
        synchronized (lock) {
            String id = lookup(networkIdOrName).id();
            List<Endpoint> out = new ArrayList<>();
            for (Map<String, Attachment> m : attachments.values()) {
                Attachment a = m.get(id);
                if (a != null) out.add(a.endpoint());
            }
            return out;
        }
    }

    /** Endpoints of one container, in attach order (its {@code NetworkSettings.Networks}). */
    public List<Endpoint> endpointsOf(String containerId) {
        synchronized (lock) {
            Map<String, Attachment> m = attachments.get(containerId);
            return m == null ? List.of() : m.values().stream().map(Attachment::endpoint).toList();
        }
    }

    // ---- sandboxes (network namespaces) ----

    /**
     * Creates the container's network namespace, bind-mounted at {@code netnsDir/<containerId>}, with loopback
     * up; idempotent (an existing live namespace is reused, a stale file is replaced). Returns its path, to put in
     * the OCI spec's {@code linux.namespaces[type=network].path}.
     */
    public Path createSandbox(String containerId) {
        Path p = sandboxPath(containerId);
        if (isNetnsMount(p)) return p;
        try {
            Files.createDirectories(p.getParent());
            Files.deleteIfExists(p);
            Files.createFile(p);
        } catch (IOException e) {
            throw WharfException.internal("cannot create " + p + ": " + e.getMessage(), e);
        }
        // One process does it all: unshare(CLONE_NEWNET), bind-mount /proc/self/ns/net on p, exec ip to raise lo.
        Exec.Result r = Exec.run("unshare", "--net=" + p, "ip", "link", "set", "lo", "up");
        if (!r.ok()) {
            removeSandbox(containerId);
            throw WharfException.internal("cannot create network namespace " + p + ": " + r.output(), null);
        }
        return p;
    }

    /** Where the container's namespace is (or would be) mounted. For {@code --net container:X}. */
    public Path sandboxPath(String containerId) {
        if (containerId == null || !containerId.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*"))
            throw WharfException.invalid("invalid container id %s", containerId);
        return config.netnsDir().resolve(containerId);
    }

    /** Unmounts and deletes the namespace file; idempotent. Call after {@link #detachAll(String)}. */
    public void removeSandbox(String containerId) {
        Path p = sandboxPath(containerId);
        if (!Files.exists(p)) return;
        if (isNetnsMount(p)) {
            Exec.Result r = Exec.run("umount", "-l", p.toString());
            if (!r.ok() && isNetnsMount(p)) throw WharfException.internal("cannot unmount " + p + ": " + r.output(), null);
        }
        deleteQuietly(p);
    }

    /** True if {@code p} is a bind-mounted namespace: it sits on nsfs, a different device than its directory. */
    static boolean isNetnsMount(Path p) {
        try {
            if (p == null || !Files.exists(p)) return false;
            Object dev = Files.getAttribute(p, "unix:dev");
            Object dirDev = Files.getAttribute(p.getParent(), "unix:dev");
            return !dev.equals(dirDev);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private void cleanStaleSandboxFiles() {
        try (Stream<Path> files = Files.list(config.netnsDir())) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && !isNetnsMount(f)) deleteQuietly(f);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot list " + config.netnsDir() + ": " + e);
        }
    }

    // ---- endpoints ----

    /**
     * Connects the namespace to a bridge network (CNI ADD) and publishes its ports. Returns the endpoint (IP,
     * prefix, gateway, MAC, interface). CONFLICT if the container is already on that network, or for a taken host
     * port: {@code driver failed programming external connectivity on endpoint NAME (ID): Bind for
     * 0.0.0.0:8080 failed: port is already allocated}. INVALID_ARGUMENT for host/none (docker: "container cannot
     * be disconnected from host network or connected to host network").
     */
    public Endpoint attach(AttachRequest req) {
        Network n;
        String ifName;
        String endpointId = randomId();
        List<PortBinding> ports;
        String key;
        String epName = req.containerName() != null ? req.containerName() : req.containerId().substring(0, Math.min(12, req.containerId().length()));
        synchronized (lock) {
            n = lookup(req.network());
            if (n.driver().equals("host"))
                throw WharfException.invalid("container cannot be disconnected from host network or connected to host network");
            if (!n.usesBridgeDriver())
                throw WharfException.invalid("container cannot be connected to multiple networks with one of the networks in private (none) mode");
            key = req.containerId() + "/" + n.id();
            Map<String, Attachment> mine = attachments.getOrDefault(req.containerId(), Map.of());
            if (mine.containsKey(n.id()) || pending.containsKey(key))
                throw WharfException.conflict("endpoint with name %s already exists in network %s", epName, n.name());
            if (req.ipv4Address() != null) {
                if (!n.userDefined()) throw WharfException.invalid("user specified IP address is supported on user defined networks only");
                if (!n.cidr().contains(req.ipv4Address()))
                    throw WharfException.invalid("no configured subnet or ip-range contain the IP address %s", req.ipv4Address());
            }
            Set<String> usedIfs = new HashSet<>();
            mine.values().forEach(a -> usedIfs.add(a.endpoint().ifName()));
            pending.values().stream().filter(p -> p.containerId().equals(req.containerId())).forEach(p -> usedIfs.add(p.ifName()));
            int i = 0;
            while (usedIfs.contains("eth" + i)) i++;
            ifName = "eth" + i;
            ports = allocatePorts(req.ports(), epName, endpointId);
            pending.put(key, new Pending(req.containerId(), n.id(), ifName, ports));
        }
        try {
            List<ObjectNode> plugins = plugins(n, !ports.isEmpty());
            Map<String, Object> caps = new LinkedHashMap<>();
            if (!ports.isEmpty()) {
                List<Map<String, Object>> pm = new ArrayList<>();
                for (PortBinding b : ports) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("hostPort", b.hostPort());
                    m.put("containerPort", b.containerPort());
                    m.put("protocol", b.protocol().wire());
                    if (!b.hostIp().isEmpty()) m.put("hostIP", b.hostIp());
                    pm.add(m);
                }
                caps.put("portMappings", pm);
            }
            String cniArgs = req.ipv4Address() == null ? "" : "IgnoreUnknown=1;IP=" + req.ipv4Address();
            Cni.Invocation inv = new Cni.Invocation(cniName(n), req.containerId(), req.netns().toString(), ifName, cniArgs, caps);
            Path file = attachmentFile(req.containerId(), n.id());
            // Intent record (no result yet) before ADD: if Wharf dies during ADD, start() finds it and runs DEL, so
            // no lease or portmap rule leaks. Not fsynced: it is on the hot path and only guards a crash window.
            Endpoint intent = new Endpoint(req.containerId(), req.containerName(), n.id(), n.name(), endpointId, ifName,
                    "", 0, "", "", List.of(), List.of(), ports, req.netns());
            try {
                Files.createDirectories(file.getParent());
                Files.write(file, Json.COMPACT.writeValueAsBytes(new Attachment(intent, cniName(n), plugins, cniArgs, caps, null)));
            } catch (IOException e) {
                throw WharfException.internal("cannot record endpoint: " + e.getMessage(), e);
            }
            JsonNode result;
            try {
                result = cni.add(plugins, inv);
            } catch (WharfException e) {
                // Undo whatever part of the chain succeeded (spec: DEL must tolerate partial ADDs).
                try {
                    cni.del(plugins, inv, null);
                } catch (WharfException ignored) {
                    // best effort
                }
                deleteQuietly(file);
                deleteQuietly(file.getParent()); // only if empty
                if (e.getMessage().contains("already allocated") || e.getMessage().contains("not available"))
                    throw new WharfException(ErrorKind.CONFLICT, "Address already in use: " + e.getMessage(), e);
                throw e;
            }
            Endpoint ep = endpointFrom(result, n, req, endpointId, ifName, ports);
            Attachment att = new Attachment(ep, cniName(n), plugins, cniArgs, caps, result);
            try {
                AtomicFiles.writeJson(file, att);
            } catch (IOException e) {
                try {
                    cni.del(plugins, inv, result);
                } catch (WharfException ignored) {
                    // best effort
                }
                deleteQuietly(file);
                throw WharfException.internal("cannot persist endpoint: " + e.getMessage(), e);
            }
            synchronized (lock) {
                attachments.computeIfAbsent(req.containerId(), k -> new LinkedHashMap<>()).put(n.id(), att);
                pending.remove(key);
            }
            registerDns(ep);
            return ep;
        } finally {
            synchronized (lock) {
                pending.remove(key);
            }
        }
    }

    /** CNI DEL for one network, with the persisted result; releases the IP, the ports and the DNS names. */
    public void detach(String containerId, String networkIdOrName) {
        Attachment a;
        synchronized (lock) {
            Map<String, Attachment> mine = attachments.getOrDefault(containerId, Map.of());
            Network n = null;
            try {
                n = lookup(networkIdOrName);
            } catch (WharfException e) {
                // fall through: the endpoint may still name it
            }
            String id = n != null ? n.id() : networkIdOrName;
            a = mine.get(id);
            if (a == null) {
                for (Attachment x : mine.values()) if (x.endpoint().networkName().equals(networkIdOrName)) a = x;
            }
            if (a == null)
                throw WharfException.precondition("container %s is not connected to network %s", containerId, networkIdOrName);
        }
        doDetach(a);
    }

    /** Detaches the container from every network it is on; idempotent, tolerant of a half-gone namespace. */
    public void detachAll(String containerId) {
        List<Attachment> mine;
        synchronized (lock) {
            mine = new ArrayList<>(attachments.getOrDefault(containerId, Map.of()).values());
        }
        for (Attachment a : mine.reversed()) doDetach(a);
    }

    private void doDetach(Attachment a) {
        Endpoint ep = a.endpoint();
        DnsServer dns = dnsServers.get(ep.networkId());
        if (dns != null) dns.unregister(ep.containerId());
        String netns = isNetnsMount(ep.netns()) ? ep.netns().toString() : "";
        Cni.Invocation inv = new Cni.Invocation(a.cniNetworkName(), ep.containerId(), netns, ep.ifName(), a.cniArgs(), a.capabilityArgs());
        try {
            cni.del(a.plugins(), inv, a.result());
        } catch (WharfException e) {
            LOG.log(System.Logger.Level.WARNING, "CNI DEL of " + ep.containerId() + " on " + ep.networkName() + ": " + e.getMessage());
            // A DEL that failed must not leak the address: release host-local's lease by hand.
            releaseLeases(a.cniNetworkName(), ep.containerId(), ep.ifName());
        }
        deleteQuietly(attachmentFile(ep.containerId(), ep.networkId()));
        Path dir = endpointsDir().resolve(ep.containerId());
        synchronized (lock) {
            Map<String, Attachment> mine = attachments.get(ep.containerId());
            if (mine != null) {
                mine.remove(ep.networkId());
                if (mine.isEmpty()) {
                    attachments.remove(ep.containerId());
                    deleteQuietly(dir);
                }
            }
        }
    }

    /** CNI CHECK of an attachment; throws INTERNAL with the plugin's message if the state drifted. */
    public void check(String containerId, String networkIdOrName) {
        Attachment a;
        synchronized (lock) {
            Network n = lookup(networkIdOrName);
            a = attachments.getOrDefault(containerId, Map.of()).get(n.id());
            if (a == null) throw WharfException.precondition("container %s is not connected to network %s", containerId, n.name());
        }
        Endpoint ep = a.endpoint();
        // portmap 1.1.x's CHECK always looks for ip6tables chains, also for IPv4-only mappings, and fails
        // (containernetworking/plugins#819); its rules are checked by DEL/ADD semantics instead.
        List<ObjectNode> checkable = a.plugins().stream().filter(p -> !p.path("type").asText().equals("portmap")).toList();
        cni.check(checkable, new Cni.Invocation(a.cniNetworkName(), containerId, ep.netns().toString(), ep.ifName(), a.cniArgs(), a.capabilityArgs()), a.result());
    }

    /** Re-registers the container's DNS names after {@code docker rename}. */
    public void rename(String containerId, String newName) {
        String name = newName != null && newName.startsWith("/") ? newName.substring(1) : newName;
        List<Attachment> updated = new ArrayList<>();
        synchronized (lock) {
            Map<String, Attachment> mine = attachments.get(containerId);
            if (mine == null) return;
            for (Map.Entry<String, Attachment> e : mine.entrySet()) {
                Attachment a = e.getValue();
                Endpoint o = a.endpoint();
                Network n = networks.get(o.networkId());
                Endpoint ep = new Endpoint(o.containerId(), name, o.networkId(), o.networkName(), o.endpointId(), o.ifName(),
                        o.ipAddress(), o.prefixLen(), o.gateway(), o.macAddress(),
                        dnsNames(n != null && n.userDefined(), containerId, name, o.aliases()), o.aliases(), o.ports(), o.netns());
                Attachment na = new Attachment(ep, a.cniNetworkName(), a.plugins(), a.cniArgs(), a.capabilityArgs(), a.result());
                e.setValue(na);
                updated.add(na);
            }
        }
        for (Attachment a : updated) {
            try {
                AtomicFiles.writeJson(attachmentFile(containerId, a.endpoint().networkId()), a);
            } catch (IOException e) {
                throw WharfException.internal("cannot persist endpoint: " + e.getMessage(), e);
            }
            registerDns(a.endpoint());
        }
    }

    // ---- files the engine writes into the container ----

    /**
     * The container's /etc/resolv.conf. On a user-defined network: {@code nameserver <gateway>} of the first such
     * endpoint (the embedded DNS, which answers container names/aliases and forwards the rest to the host's
     * resolvers), plus the host's search/options and {@code ndots:0}. Otherwise (default bridge, none): the host's
     * resolv.conf without loopback nameservers (falling back to 8.8.8.8/8.8.4.4 as docker does when none is left).
     * {@code dns}, {@code dnsSearch}, {@code dnsOptions} (docker's --dns, --dns-search, --dns-option) replace the
     * corresponding lines when non-empty (on user networks, --dns servers follow the embedded one).
     */
    public String resolvConf(List<Endpoint> endpoints, List<String> dns, List<String> dnsSearch, List<String> dnsOptions) {
        HostResolv host = HostResolv.read(config.resolvConf());
        List<String> servers = new ArrayList<>();
        List<String> options = new ArrayList<>(dnsOptions == null || dnsOptions.isEmpty() ? host.options() : dnsOptions);
        String embedded = null;
        if (config.embeddedDns() && endpoints != null) {
            synchronized (lock) {
                for (Endpoint ep : endpoints) {
                    Network n = networks.get(ep.networkId());
                    if (n != null && n.userDefined()) {
                        embedded = n.gateway();
                        break;
                    }
                }
            }
        }
        if (embedded != null) {
            servers.add(embedded);
            if (dns != null) servers.addAll(dns);
            if (options.stream().noneMatch(o -> o.startsWith("ndots:"))) options.add("ndots:0");
        } else if (dns != null && !dns.isEmpty()) {
            servers.addAll(dns);
        } else {
            // loopback servers are unreachable from the container's namespace; IPv6 ones too (our networks are IPv4)
            for (String s : host.nameservers()) if (!isLoopback(s) && !s.contains(":")) servers.add(s);
            if (servers.isEmpty()) servers.addAll(List.of("8.8.8.8", "8.8.4.4"));
        }
        List<String> search = dnsSearch == null || dnsSearch.isEmpty() ? host.search() : dnsSearch;
        StringBuilder sb = new StringBuilder();
        for (String s : servers) sb.append("nameserver ").append(s).append('\n');
        if (!search.isEmpty()) sb.append("search ").append(String.join(" ", search)).append('\n');
        if (!options.isEmpty()) sb.append("options ").append(String.join(" ", options)).append('\n');
        return sb.toString();
    }

    /** The host's resolv.conf unchanged, for {@code --net host}. */
    public String hostResolvConf() {
        try {
            return Files.readString(config.resolvConf());
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The container's /etc/hosts as docker writes it: localhost lines, the extra hosts ({@code --add-host}, given as
     * "name:ip"), then {@code <ip> <hostname>} for each endpoint.
     */
    public String hosts(String hostname, List<Endpoint> endpoints, List<String> extraHosts) {
        StringBuilder sb = new StringBuilder();
        sb.append("127.0.0.1\tlocalhost\n");
        sb.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        sb.append("fe00::0\tip6-localnet\n");
        sb.append("ff00::0\tip6-mcastprefix\n");
        sb.append("ff02::1\tip6-allnodes\n");
        sb.append("ff02::2\tip6-allrouters\n");
        if (extraHosts != null) {
            for (String h : extraHosts) {
                int c = h.indexOf(':');
                if (c <= 0) throw WharfException.invalid("invalid extra host: %s", h);
                sb.append(h.substring(c + 1)).append('\t').append(h, 0, c).append('\n');
            }
        }
        if (endpoints != null && hostname != null && !hostname.isEmpty()) {
            for (Endpoint ep : endpoints) sb.append(ep.ipAddress()).append('\t').append(hostname).append('\n');
        }
        return sb.toString();
    }

    // ---- internals ----

    private static boolean isLoopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1");
    }

    private String randomId() {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String cniName(Network n) {
        return "wharf-" + n.shortId();
    }

    private Path attachmentFile(String containerId, String networkId) {
        return endpointsDir().resolve(containerId).resolve(networkId + ".json");
    }

    private void persist(Network n) {
        try {
            AtomicFiles.writeJson(networksDir().resolve(n.id() + ".json"), n);
        } catch (IOException e) {
            throw WharfException.internal("cannot persist network " + n.name() + ": " + e.getMessage(), e);
        }
    }

    private static <T> List<T> readAll(Path dir, Class<T> type) {
        List<T> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json") && !f.getFileName().toString().startsWith(".")).toList()) {
                try {
                    out.add(Json.MAPPER.readValue(Files.readAllBytes(f), type));
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "ignoring unreadable " + f + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw WharfException.internal("cannot read " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete " + p + ": " + e);
        }
    }

    private void ensurePredefined(String name, String driver) {
        if (byName(name) != null) return;
        Network n = new Network(randomId(), name, driver, Instant.now(), null, null, null, false, false, Map.of(), Map.of());
        networks.put(n.id(), n);
        persist(n);
    }

    /**
     * The default network keeps the subnet it was given the first time (persisted); it is chosen again only when the
     * configuration asks for another one and no container is on it. Without configuration docker's rule applies:
     * 172.17.0.0/16 unless a host interface or route holds it, else the next free 172.N.0.0/16.
     */
    private void ensureDefaultBridge() {
        Network existing = byName(Network.BRIDGE);
        String wantSubnet = config.defaultBridgeSubnet() == null ? null : Cidr.parse(config.defaultBridgeSubnet()).toString();
        if (existing != null) {
            boolean same = (wantSubnet == null || wantSubnet.equals(existing.subnet()))
                    && config.defaultBridgeName().equals(existing.bridge())
                    && (config.defaultBridgeGateway() == null || config.defaultBridgeGateway().equals(existing.gateway()));
            if (hasEndpoints(existing.id())) return;
            if (same && wantSubnet == null && takenByHost(existing)) {
                // e.g. a real dockerd started since and took 172.17.0.0/16 for docker0: move, as docker would have
                LOG.log(System.Logger.Level.INFO, "default network " + existing.subnet() + " is now used by the host; choosing another");
                same = false;
            }
            if (same) return;
            tearDownNetwork(existing);
        }
        Cidr subnet;
        if (wantSubnet != null) {
            subnet = Cidr.parse(wantSubnet);
        } else {
            List<Cidr> candidates = new ArrayList<>();
            for (int i = 17; i <= 31; i++) candidates.add(Cidr.parse("172." + i + ".0.0/16"));
            subnet = pickSubnet(candidates, existing == null ? null : existing.id());
        }
        String gateway = config.defaultBridgeGateway() != null ? config.defaultBridgeGateway() : subnet.host(1);
        Network n = new Network(existing == null ? randomId() : existing.id(), Network.BRIDGE, "bridge",
                existing == null ? Instant.now() : existing.created(), subnet.toString(), gateway,
                config.defaultBridgeName(), false, false, Map.of(), Map.of(
                        "com.docker.network.bridge.default_bridge", "true",
                        "com.docker.network.bridge.enable_ip_masquerade", "true",
                        "com.docker.network.bridge.name", config.defaultBridgeName()));
        networks.put(n.id(), n);
        persist(n);
    }

    private boolean takenByHost(Network n) {
        Set<String> ours = new HashSet<>();
        for (Network o : networks.values()) if (o.bridge() != null) ours.add(o.bridge());
        Cidr c = n.cidr();
        return Host.usedRanges(ours).stream().anyMatch(u -> u.overlaps(c));
    }

    private static List<Cidr> userCandidates() {
        List<Cidr> c = new ArrayList<>();
        for (int i = 18; i <= 31; i++) c.add(Cidr.parse("172." + i + ".0.0/16"));
        for (int i = 0; i < 256; i += 16) c.add(Cidr.parse("192.168." + i + ".0/20"));
        return c;
    }

    /** The first candidate that overlaps neither another Wharf network nor a range the host uses. */
    private Cidr pickSubnet(List<Cidr> candidates, String exceptNetworkId) {
        Set<String> ours = new HashSet<>();
        List<Cidr> used = new ArrayList<>();
        for (Network n : networks.values()) {
            if (n.bridge() != null) ours.add(n.bridge());
            if (n.cidr() != null && !n.id().equals(exceptNetworkId)) used.add(n.cidr());
        }
        ours.add(config.defaultBridgeName());
        used.addAll(Host.usedRanges(ours));
        Cidr free = firstFree(candidates, used);
        if (free != null) return free;
        throw WharfException.unavailable("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    /** The first candidate overlapping none of {@code used}, or null. */
    static Cidr firstFree(List<Cidr> candidates, List<Cidr> used) {
        for (Cidr c : candidates) {
            if (used.stream().noneMatch(u -> u.overlaps(c))) return c;
        }
        return null;
    }

    /** The plugin chain of an attachment: bridge (with host-local IPAM), then portmap when ports are published. */
    private List<ObjectNode> plugins(Network n, boolean withPorts) {
        ObjectNode bridge = Json.MAPPER.createObjectNode();
        bridge.put("type", "bridge");
        bridge.put("bridge", n.bridge());
        bridge.put("isGateway", true);
        // Masquerade is one rule per network (WHARF-POSTROUTING), not the plugin's per-container chain: fewer
        // iptables runs on the `docker run` path.
        bridge.put("ipMasq", false);
        bridge.put("hairpinMode", true);
        ObjectNode ipam = bridge.putObject("ipam");
        ipam.put("type", "host-local");
        ArrayNode ranges = ipam.putArray("ranges");
        ObjectNode range = ranges.addArray().addObject();
        range.put("subnet", n.subnet());
        range.put("gateway", n.gateway());
        if (!n.internal()) ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        ipam.put("dataDir", ipamDir().toString());
        List<ObjectNode> out = new ArrayList<>();
        out.add(bridge);
        if (withPorts) {
            ObjectNode pm = Json.MAPPER.createObjectNode();
            pm.put("type", "portmap");
            pm.putObject("capabilities").put("portMappings", true);
            // snat: masquerade hairpin and localhost-originated connections (and set route_localnet on the bridge)
            // so that 127.0.0.1:hostPort reaches the container.
            pm.put("snat", true);
            out.add(pm);
        }
        return out;
    }

    private Endpoint endpointFrom(JsonNode result, Network n, AttachRequest req, String endpointId, String ifName, List<PortBinding> ports) {
        JsonNode ifs = result.path("interfaces");
        String ip = null;
        int prefix = 0;
        String mac = "";
        for (JsonNode i : result.path("ips")) {
            String addr = i.path("address").asText();
            if (!addr.contains(".")) continue;
            Cidr c = Cidr.parse(addr);
            ip = addr.substring(0, addr.indexOf('/'));
            prefix = c.prefix();
            if (i.has("interface")) mac = ifs.path(i.path("interface").asInt()).path("mac").asText("");
            break;
        }
        if (ip == null) throw WharfException.internal("CNI result has no IPv4 address: " + result, null);
        if (mac.isEmpty()) {
            for (JsonNode i : ifs) if (i.path("name").asText().equals(ifName) && i.hasNonNull("sandbox")) mac = i.path("mac").asText("");
        }
        return new Endpoint(req.containerId(), req.containerName(), n.id(), n.name(), endpointId, ifName, ip, prefix,
                n.internal() ? "" : n.gateway(), mac.toLowerCase(java.util.Locale.ROOT),
                dnsNames(n.userDefined(), req.containerId(), req.containerName(), req.aliases()),
                n.userDefined() ? req.aliases() : List.of(), ports, req.netns());
    }

    private static List<String> dnsNames(boolean userDefined, String containerId, String name, List<String> aliases) {
        if (!userDefined) return List.of();
        List<String> names = new ArrayList<>();
        if (name != null && !name.isEmpty()) names.add(name);
        names.add(containerId.substring(0, Math.min(12, containerId.length())));
        for (String a : aliases) if (!names.contains(a)) names.add(a);
        return names;
    }

    // ---- ports ----

    /** Resolves host port 0 to free ephemeral ports and rejects ports another endpoint holds. Caller holds lock. */
    private List<PortBinding> allocatePorts(List<PortBinding> requested, String epName, String endpointId) {
        List<PortBinding> held = new ArrayList<>();
        for (Map<String, Attachment> m : attachments.values()) for (Attachment a : m.values()) held.addAll(a.endpoint().ports());
        for (Pending p : pending.values()) held.addAll(p.ports());
        List<PortBinding> out = new ArrayList<>();
        for (PortBinding b : requested) {
            if (b.hostPort() != 0) {
                if (clashes(held, b.protocol(), b.hostIp(), b.hostPort()))
                    throw WharfException.conflict("driver failed programming external connectivity on endpoint %s (%s): Bind for %s:%d failed: port is already allocated",
                            epName, endpointId, b.hostIpOrAny(), b.hostPort());
                if (!hostPortFree(b.protocol(), b.hostIp(), b.hostPort()))
                    throw WharfException.conflict("driver failed programming external connectivity on endpoint %s (%s): Error starting userland proxy: listen %s4 %s:%d: bind: address already in use",
                            epName, endpointId, b.protocol().wire(), b.hostIpOrAny(), b.hostPort());
                out.add(b);
            } else {
                int port = -1;
                int span = EPHEMERAL_HIGH - EPHEMERAL_LOW + 1;
                for (int i = 0; i < span; i++) {
                    int candidate = EPHEMERAL_LOW + (portCursor - EPHEMERAL_LOW + i) % span;
                    if (!clashes(held, b.protocol(), b.hostIp(), candidate) && hostPortFree(b.protocol(), b.hostIp(), candidate)) {
                        port = candidate;
                        portCursor = candidate + 1 > EPHEMERAL_HIGH ? EPHEMERAL_LOW : candidate + 1;
                        break;
                    }
                }
                if (port < 0) throw WharfException.unavailable("no host port available in %d-%d", EPHEMERAL_LOW, EPHEMERAL_HIGH);
                out.add(new PortBinding(b.protocol(), b.containerPort(), b.hostIp(), port));
            }
            held.add(out.getLast());
        }
        return out;
    }

    private static boolean clashes(List<PortBinding> held, Protocol proto, String ip, int port) {
        for (PortBinding h : held) {
            if (h.protocol() == proto && h.hostPort() == port
                    && (h.hostIp().isEmpty() || ip.isEmpty() || h.hostIp().equals(ip))) return true;
        }
        return false;
    }

    /** True if no host process listens on the port (our DNAT rules would hide it, or it would hide them). */
    private static boolean hostPortFree(Protocol proto, String ip, int port) {
        try {
            InetSocketAddress addr = ip.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.getByName(ip), port);
            if (proto == Protocol.UDP) {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(addr);
                }
            } else if (proto == Protocol.TCP) {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(addr);
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    // ---- host set-up per network ----

    private void ensureBaseRules() {
        Host.ensureChain("filter", FORWARD_CHAIN);
        Host.ensureChain("filter", ISOLATION1);
        Host.ensureChain("filter", ISOLATION2);
        Host.ensureChain("nat", NAT_CHAIN);
        Host.ensureChain("filter", INPUT_CHAIN);
        Host.ensureRule(true, "filter", "INPUT", "-j", INPUT_CHAIN);
        Host.ensureRule(true, "filter", "FORWARD", "-j", FORWARD_CHAIN);
        Host.ensureRule(true, "filter", FORWARD_CHAIN, "-j", ISOLATION1);
        Host.ensureRule(false, "nat", "POSTROUTING", "-j", NAT_CHAIN);
    }

    /** The iptables rules one bridge network owns: table, chain, rule. */
    private static List<String[]> rules(Network n) {
        String b = n.bridge();
        List<String[]> r = new ArrayList<>();
        if (n.internal()) {
            r.add(new String[]{"filter", ISOLATION1, "-i", b, "!", "-o", b, "-j", "DROP"});
            r.add(new String[]{"filter", ISOLATION1, "-o", b, "!", "-i", b, "-j", "DROP"});
        } else {
            // docker's two-stage isolation: leaving bridge b for any other Wharf bridge is dropped in stage 2
            r.add(new String[]{"filter", ISOLATION1, "-i", b, "!", "-o", b, "-j", ISOLATION2});
            r.add(new String[]{"nat", NAT_CHAIN, "-s", n.subnet(), "!", "-o", b, "-j", "MASQUERADE"});
        }
        r.add(new String[]{"filter", ISOLATION2, "-o", b, "-j", "DROP"});
        r.add(new String[]{"filter", FORWARD_CHAIN, "-o", b, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"});
        r.add(new String[]{"filter", FORWARD_CHAIN, "-o", b, "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT"});
        r.add(new String[]{"filter", FORWARD_CHAIN, "-i", b, "-j", "ACCEPT"});
        if (n.userDefined()) {
            // the embedded DNS listens on the gateway in the host's namespace: let queries in even where INPUT drops
            r.add(new String[]{"filter", INPUT_CHAIN, "-i", b, "-d", n.gateway(), "-p", "udp", "--dport", "53", "-j", "ACCEPT"});
            r.add(new String[]{"filter", INPUT_CHAIN, "-i", b, "-d", n.gateway(), "-p", "tcp", "--dport", "53", "-j", "ACCEPT"});
        }
        return r;
    }

    private void setUpNetwork(Network n) {
        if (!n.usesBridgeDriver()) return;
        Cidr cidr = n.cidr();
        Host.ensureUnreachableRoute(cidr);
        Host.ensureBridge(n.bridge(), n.gateway(), cidr.prefix());
        for (String[] r : rules(n)) {
            String[] rule = java.util.Arrays.copyOfRange(r, 2, r.length);
            Host.ensureRule(false, r[0], r[1], rule);
        }
        if (n.userDefined() && config.embeddedDns()) startDns(n);
    }

    private void tearDownNetwork(Network n) {
        if (!n.usesBridgeDriver()) return;
        DnsServer dns = dnsServers.remove(n.id());
        if (dns != null) dns.close();
        for (String[] r : rules(n)) Host.deleteRule(r[0], r[1], java.util.Arrays.copyOfRange(r, 2, r.length));
        Host.deleteLink(n.bridge());
        Host.deleteUnreachableRoute(n.cidr());
        deleteTree(ipamDir().resolve(cniName(n)));
    }

    private void startDns(Network n) {
        if (dnsServers.containsKey(n.id())) return;
        List<InetSocketAddress> ups = new ArrayList<>();
        for (String s : HostResolv.read(config.resolvConf()).nameservers()) ups.add(new InetSocketAddress(s, 53));
        if (ups.isEmpty()) ups.add(new InetSocketAddress("8.8.8.8", 53));
        try {
            DnsServer d = new DnsServer(InetAddress.getByName(n.gateway()), 53, n.name(), ups);
            d.peers((name, asker) -> peerLookup(n.id(), name, asker.getHostAddress()));
            d.start();
            dnsServers.put(n.id(), d);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "network " + n.name() + ": embedded DNS cannot listen on " + n.gateway() + ":53: " + e.getMessage());
        }
    }

    /** Names on the asker's other user networks (the asker is known by its address on network {@code networkId}). */
    private List<String> peerLookup(String networkId, String name, String askerIp) {
        List<String> others = new ArrayList<>();
        synchronized (lock) {
            for (Map<String, Attachment> m : attachments.values()) {
                Attachment here = m.get(networkId);
                if (here == null || !here.endpoint().ipAddress().equals(askerIp)) continue;
                for (String netId : m.keySet()) if (!netId.equals(networkId)) others.add(netId);
                break;
            }
        }
        List<String> ips = new ArrayList<>();
        for (String netId : others) {
            DnsServer d = dnsServers.get(netId);
            if (d != null) ips.addAll(d.lookup(name));
        }
        return ips;
    }

    private void registerDns(Endpoint ep) {
        DnsServer d = dnsServers.get(ep.networkId());
        if (d != null && !ep.dnsNames().isEmpty()) d.register(ep.containerId(), ep.dnsNames(), ep.ipAddress());
    }

    /** host-local keeps one file per leased address holding "containerId\r\nifName". */
    private void releaseLeases(String cniNetworkName, String containerId, String ifName) {
        Path dir = ipamDir().resolve(cniNetworkName);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.startsWith("last_reserved_ip") || name.equals("lock")) continue;
                List<String> lines = Files.readAllLines(f).stream().map(String::trim).toList();
                if (!lines.isEmpty() && lines.getFirst().equals(containerId) && (lines.size() < 2 || lines.get(1).equals(ifName)))
                    deleteQuietly(f);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot scan leases in " + dir + ": " + e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) deleteQuietly(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete " + dir + ": " + e);
        }
    }

    /** Leases whose container has no endpoint record (a crash before the intent record was written). */
    private void releaseOrphanLeases() {
        Set<String> live;
        synchronized (lock) {
            live = new HashSet<>(attachments.keySet());
            pending.values().forEach(p -> live.add(p.containerId()));
        }
        try (Stream<Path> dirs = Files.list(ipamDir())) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.list(d)) {
                    for (Path f : files.toList()) {
                        String name = f.getFileName().toString();
                        if (name.startsWith("last_reserved_ip") || name.equals("lock")) continue;
                        List<String> lines = Files.readAllLines(f);
                        if (!lines.isEmpty() && !live.contains(lines.getFirst().trim())) deleteQuietly(f);
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot scan " + ipamDir() + ": " + e);
        }
    }

    /**
     * Container IDs that have a sandbox (a mounted namespace) now. After a restart the engine removes those of
     * containers that no longer run ({@link #removeSandbox}); start() already dropped files left half-made.
     */
    public List<String> sandboxes() {
        try (Stream<Path> files = Files.list(config.netnsDir())) {
            return files.filter(NetworkManager::isNetnsMount).map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Test hook: the embedded DNS port of a network, or -1. */
    int dnsPort(String networkId) {
        DnsServer d = dnsServers.get(networkId);
        return d == null ? -1 : d.port();
    }
}
