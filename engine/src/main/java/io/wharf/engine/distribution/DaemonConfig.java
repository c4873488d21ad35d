package io.wharf.engine.distribution;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.registry.client.RegistryClient;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The registry part of Docker's {@code daemon.json} (default {@code /etc/wharf/daemon.json}):
 * {@code insecure-registries} (host[:port] entries, or CIDRs matched against literal IP hosts as dockerd does),
 * {@code registry-mirrors} (Docker Hub pull-through mirrors), {@code max-concurrent-downloads} (3) and
 * {@code max-concurrent-uploads} (5). Loopback registries are insecure-allowed by default, like dockerd's built-in
 * 127.0.0.0/8 entry. Other keys of the file belong to other parts of the engine and are ignored here.
 */
public record DaemonConfig(Set<String> insecureRegistries, List<Cidr> insecureCidrs, List<URI> registryMirrors,
                           int maxConcurrentDownloads, int maxConcurrentUploads) {
    public static final Path DEFAULT_PATH = Path.of("/etc/wharf/daemon.json");

    public DaemonConfig {
        insecureRegistries = insecureRegistries == null ? Set.of() : Set.copyOf(insecureRegistries);
        insecureCidrs = insecureCidrs == null ? List.of() : List.copyOf(insecureCidrs);
        registryMirrors = registryMirrors == null ? List.of() : List.copyOf(registryMirrors);
        if (maxConcurrentDownloads < 1) throw WharfException.invalid("max-concurrent-downloads must be at least 1");
        if (maxConcurrentUploads < 1) throw WharfException.invalid("max-concurrent-uploads must be at least 1");
    }

    /**
     * Where daemon.json is: the system property {@code wharf.daemon-json}, else the environment variable
     * {@code WHARF_DAEMON_JSON}, else {@link #DEFAULT_PATH} (dockerd's {@code --config-file} counterpart).
     */
    public static Path locate() {
        String p = System.getProperty("wharf.daemon-json");
        if (p == null || p.isBlank()) p = System.getenv("WHARF_DAEMON_JSON");
        return p == null || p.isBlank() ? DEFAULT_PATH : Path.of(p);
    }

    public static DaemonConfig defaults() {
        return new DaemonConfig(Set.of(), List.of(), List.of(), 3, 5);
    }

    /** Reads {@code file}; a missing file is the defaults. Errors read like dockerd's start-up errors. */
    public static DaemonConfig load(Path file) {
        if (file == null || !Files.exists(file)) return defaults();
        try {
            return parse(Files.readAllBytes(file));
        } catch (IOException e) {
            throw WharfException.invalid("unable to configure the Docker daemon with file %s: %s", file, e.getMessage());
        }
    }

    public static DaemonConfig parse(byte[] json) throws IOException {
        JsonNode n = json.length == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(json);
        if (n == null || !n.isObject()) throw WharfException.invalid("daemon.json: expected a JSON object");
        Set<String> hosts = new LinkedHashSet<>();
        List<Cidr> cidrs = new ArrayList<>();
        for (JsonNode e : n.path("insecure-registries")) {
            String s = e.asText().trim();
            if (s.contains("://")) {
                // dockerd refuses a scheme here; accept it and keep the authority (http:// means insecure anyway)
                s = URI.create(s).getAuthority();
            }
            if (s.endsWith("/")) s = s.substring(0, s.length() - 1);
            if (s.isEmpty()) continue;
            if (s.contains("/")) cidrs.add(Cidr.parse(s));
            else hosts.add(s);
        }
        List<URI> mirrors = new ArrayList<>();
        for (JsonNode e : n.path("registry-mirrors")) {
            String s = e.asText().trim();
            URI u = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getAuthority() == null) {
                throw WharfException.invalid("invalid mirror: unsupported scheme %s in %s", u.getScheme(), s);
            }
            mirrors.add(u);
        }
        return new DaemonConfig(hosts, cidrs, mirrors, n.path("max-concurrent-downloads").asInt(3),
                n.path("max-concurrent-uploads").asInt(5));
    }

    /** Whether {@code host} (host[:port]) is insecure by an explicit entry: a listed name or a CIDR holding its IP. */
    public boolean listedInsecure(String host) {
        if (insecureRegistries.contains(host)) return true;
        String h = hostOnly(host);
        if (insecureRegistries.contains(h)) return true;
        if (insecureCidrs.isEmpty() || !(h.matches("[0-9.]+") || h.contains(":"))) return false;
        try {
            InetAddress a = InetAddress.getByName(h); // a literal: no lookup
            for (Cidr c : insecureCidrs) if (c.contains(a)) return true;
        } catch (IOException ignored) {
            // not an address
        }
        return false;
    }

    static String hostOnly(String host) {
        if (host.startsWith("[")) return host.substring(1, host.indexOf(']'));
        int c = host.lastIndexOf(':');
        return c > 0 && host.indexOf(':') == c ? host.substring(0, c) : host;
    }

    /** Client options for talking to {@code host} with {@code credentials}. */
    public RegistryClient.Options clientOptions(String host, Optional<RegistryClient.Credentials> credentials) {
        Set<String> insecure = new LinkedHashSet<>(insecureRegistries);
        if (listedInsecure(host)) insecure.add(host);
        for (URI m : registryMirrors) if (listedInsecure(m.getAuthority())) insecure.add(m.getAuthority());
        return RegistryClient.Options.defaults().withInsecure(insecure).withMirrors(registryMirrors)
                .withCredentials(h -> credentials);
    }

    /** An IPv4 or IPv6 network. */
    public record Cidr(byte[] network, int prefix) {
        public Cidr {
            if (prefix < 0 || prefix > network.length * 8) throw WharfException.invalid("invalid CIDR prefix %d", prefix);
            network = network.clone();
        }

        public static Cidr parse(String s) {
            int slash = s.indexOf('/');
            try {
                byte[] a = InetAddress.getByName(s.substring(0, slash)).getAddress();
                return new Cidr(a, Integer.parseInt(s.substring(slash + 1)));
            } catch (IOException | RuntimeException e) {
                throw WharfException.invalid("invalid CIDR in insecure-registries: %s", s);
            }
        }

        public boolean contains(InetAddress addr) {
            byte[] a = addr.getAddress();
            if (a.length != network.length) return false;
            int bits = a.length * 8;
            BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
                    .xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
            return new BigInteger(1, a).and(mask).equals(new BigInteger(1, network).and(mask));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.prefix == prefix && java.util.Arrays.equals(c.network, network);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(network) * 31 + prefix;
        }
    }
}
