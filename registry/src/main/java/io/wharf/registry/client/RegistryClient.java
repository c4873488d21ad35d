package io.wharf.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.ErrorKind;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Descriptor;
import io.wharf.oci.Digest;
import io.wharf.oci.Index;
import io.wharf.oci.Manifest;
import io.wharf.oci.MediaTypes;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of the OCI distribution API, for the engine's {@code docker pull/push/login}: resolves manifests (picking
 * a platform from indexes and manifest lists), fetches blobs with digest verification and progress, pushes blobs
 * (HEAD first, then cross-repository mount, then a monolithic or chunked upload) and manifests, and handles basic and
 * Docker token authentication. Insecure registries (and loopback ones, as in docker) are tried over HTTPS without
 * certificate checks first, then over plain HTTP. Thread-safe; one instance serves many parallel transfers.
 */
public final class RegistryClient implements AutoCloseable {
    /** Progress of one transfer; {@code total} is -1 when unknown. Called from the transferring thread. */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);

        Progress NONE = (d, t) -> {};
    }

    /** Username and password (or an identity token as password with username {@code <token>}). */
    public record Credentials(String username, String password) {}

    /** Content to push; {@link #open()} may be called more than once (retries after an auth challenge). */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open() throws IOException;

        static BlobSource of(Path file) {
            return () -> Files.newInputStream(file);
        }

        static BlobSource of(byte[] bytes) {
            return () -> new java.io.ByteArrayInputStream(bytes);
        }
    }

    /**
     * @param insecureRegistries hosts ({@code host:port}) where plain HTTP and unverified TLS are allowed
     *                           (daemon.json {@code insecure-registries})
     * @param mirrors            pull-through mirrors for Docker Hub (daemon.json {@code registry-mirrors}), tried in
     *                           order before {@code registry-1.docker.io}
     * @param credentials        credentials by registry host, e.g. from {@code docker login}
     * @param chunkSize          push blobs larger than this in PATCH chunks of this size; 0 = one streamed PATCH
     * @param loopbackInsecure   whether loopback registries count as insecure, as docker has it (default true)
     */
    public record Options(Set<String> insecureRegistries, List<URI> mirrors, Function<String, Optional<Credentials>> credentials,
                          Duration connectTimeout, long chunkSize, boolean loopbackInsecure, Clock clock) {
        public Options {
            insecureRegistries = insecureRegistries == null ? Set.of() : Set.copyOf(insecureRegistries);
            mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
            for (URI m : mirrors) {
                if (m.getAuthority() == null || !(m.getScheme().equals("http") || m.getScheme().equals("https"))) {
                    throw WharfException.invalid("invalid registry mirror %s: expected http(s)://host[:port]", m);
                }
            }
            if (credentials == null) credentials = h -> Optional.empty();
            if (connectTimeout == null) connectTimeout = Duration.ofSeconds(15);
            if (chunkSize < 0) throw new IllegalArgumentException("negative chunk size");
            if (clock == null) clock = Clock.systemUTC();
        }

        public static Options defaults() {
            return new Options(Set.of(), List.of(), null, null, 0, true, null);
        }

        public Options withInsecure(Set<String> hosts) {
            return new Options(hosts, mirrors, credentials, connectTimeout, chunkSize, loopbackInsecure, clock);
        }

        public Options withMirrors(List<URI> m) {
            return new Options(insecureRegistries, m, credentials, connectTimeout, chunkSize, loopbackInsecure, clock);
        }

        public Options withCredentials(Function<String, Optional<Credentials>> c) {
            return new Options(insecureRegistries, mirrors, c, connectTimeout, chunkSize, loopbackInsecure, clock);
        }

        public Options withChunkSize(long size) {
            return new Options(insecureRegistries, mirrors, credentials, connectTimeout, size, loopbackInsecure, clock);
        }

        public Options withLoopbackInsecure(boolean b) {
            return new Options(insecureRegistries, mirrors, credentials, connectTimeout, chunkSize, b, clock);
        }
    }

    /** A manifest as served: exact bytes, media type and digest (computed from the bytes, never trusted). */
    public record ManifestResponse(Digest digest, String mediaType, byte[] bytes) {
        public Descriptor descriptor() {
            return Descriptor.of(mediaType, digest, bytes.length);
        }
    }

    /** A reference resolved to one platform's image manifest; {@code index} is set when it came from an index. */
    public record Resolved(Reference reference, ManifestResponse index, ManifestResponse manifest, Manifest parsed) {}

    /** How a blob push ended. */
    public enum PushOutcome { EXISTS, MOUNTED, UPLOADED }

    static final String ACCEPT_MANIFESTS = String.join(", ", MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST_LIST,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.OCI_MANIFEST);
    /** An HTTP server answers a TLS hello at once (400); only a dead host needs the whole wait. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final Pattern CHALLENGE_PARAM = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final Options options;
    private final HttpClient secure, insecure;
    /** Scheme and TLS choice per host, decided by the first ping. */
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    /** Authorization header values by host and scope. */
    private final Map<String, CachedAuth> auth = new ConcurrentHashMap<>();

    private record Endpoint(String base, HttpClient client) {}

    private record CachedAuth(String header, Instant expires) {}

    public RegistryClient(Options options) {
        this.options = options;
        this.secure = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.insecure = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER).sslContext(trustAll()).build();
        for (URI m : options.mirrors()) {
            // a mirror's scheme is given: no probing
            endpoints.put(m.getAuthority(), new Endpoint(m.getScheme() + "://" + m.getAuthority(),
                    m.getScheme().equals("http") || isInsecure(m.getAuthority()) ? insecure : secure));
        }
    }

    @Override
    public void close() {
        secure.close();
        insecure.close();
    }

    // ---- endpoints ------------------------------------------------------------------------------------------

    /** Whether plain HTTP is allowed for {@code host} (host[:port]): configured insecure, or loopback as in docker. */
    public boolean isInsecure(String host) {
        if (options.insecureRegistries().contains(host)) return true;
        String h = host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        if (!options.loopbackInsecure()) return false;
        if (h.equals("localhost")) return true;
        try {
            // only literal addresses: never resolve names here
            if (h.matches("[0-9.]+") || h.contains(":")) return InetAddress.getByName(h).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private Endpoint endpoint(String host) throws IOException, InterruptedException {
        Endpoint e = endpoints.get(host);
        if (e != null) return e;
        if (!isInsecure(host)) {
            e = new Endpoint("https://" + host, secure);
        } else {
            // docker's order for insecure registries: HTTPS without verification, then plain HTTP
            try {
                insecure.send(HttpRequest.newBuilder(URI.create("https://" + host + "/v2/")).timeout(PROBE_TIMEOUT).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                e = new Endpoint("https://" + host, insecure);
            } catch (IOException tlsFailed) {
                e = new Endpoint("http://" + host, insecure);
            }
        }
        endpoints.put(host, e);
        return e;
    }

    // ---- requests with authentication ------------------------------------------------------------------------

    private static String repoScope(Reference repo, boolean push) {
        return "repository:" + repo.path() + ":" + (push ? "pull,push" : "pull");
    }

    /** Sends a request; on 401 answers the challenge (basic, or a token from the realm) once and retries. */
    private <T> HttpResponse<T> send(String host, String scope, HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        CachedAuth cached = auth.get(host + " " + scope);
        if (cached != null && (cached.expires() == null || cached.expires().isAfter(options.clock().instant()))) {
            b.setHeader("Authorization", cached.header());
        }
        HttpRequest req = b.build();
        HttpResponse<T> r;
        try {
            r = ep.client().send(req, handler);
        } catch (javax.net.ssl.SSLException e) {
            if (ep.base().startsWith("https://") && speaksPlainHttp(host)) {
                // what docker says, so the tutorial's hint (insecure-registries) applies
                throw new WharfException(ErrorKind.UNAVAILABLE, "Get \"https://" + host + "/v2/\": http: server gave HTTP response to HTTPS client", e);
            }
            throw e;
        }
        if (r.statusCode() != 401) return r;
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        closeBody(r);
        CachedAuth a = authenticate(host, scope, challenge);
        if (a == null) return ep.client().send(req, handler);
        auth.put(host + " " + scope, a);
        return ep.client().send(HttpRequest.newBuilder(req, (n, v) -> !n.equalsIgnoreCase("Authorization")).setHeader("Authorization", a.header()).build(), handler);
    }

    /** After a TLS failure: whether the host answers plain HTTP instead (only to word the error like docker). */
    private boolean speaksPlainHttp(String host) {
        try {
            insecure.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).timeout(options.connectTimeout()).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void closeBody(HttpResponse<?> r) throws IOException {
        if (r.body() instanceof InputStream in) in.close();
    }

    private CachedAuth authenticate(String host, String scope, String challenge) throws IOException, InterruptedException {
        Optional<Credentials> creds = options.credentials().apply(host);
        if (challenge.regionMatches(true, 0, "Basic", 0, 5)) {
            return creds.map(c -> new CachedAuth(basic(c), null)).orElse(null);
        }
        if (!challenge.regionMatches(true, 0, "Bearer", 0, 6)) return null;
        Map<String, String> p = new LinkedHashMap<>();
        Matcher m = CHALLENGE_PARAM.matcher(challenge);
        while (m.find()) p.put(m.group(1), m.group(2));
        String realm = p.get("realm");
        if (realm == null) return null;
        StringBuilder url = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
        if (p.containsKey("service")) url.append("service=").append(URLEncoder.encode(p.get("service"), StandardCharsets.UTF_8)).append('&');
        String wanted = scope != null ? scope : p.get("scope");
        if (wanted != null) {
            for (String s : wanted.split(" ")) url.append("scope=").append(URLEncoder.encode(s, StandardCharsets.UTF_8)).append('&');
        }
        HttpRequest.Builder tb = HttpRequest.newBuilder(URI.create(url.substring(0, url.length() - 1))).GET().timeout(Duration.ofSeconds(30));
        creds.ifPresent(c -> tb.setHeader("Authorization", basic(c)));
        HttpClient c = isInsecure(URI.create(realm).getAuthority() == null ? host : URI.create(realm).getAuthority()) ? insecure : secure;
        HttpResponse<byte[]> tr = c.send(tb.build(), HttpResponse.BodyHandlers.ofByteArray());
        if (tr.statusCode() == 401 || tr.statusCode() == 403) {
            throw new WharfException(ErrorKind.UNAUTHENTICATED, "unauthorized: authentication required for " + host);
        }
        if (tr.statusCode() != 200) throw WharfException.unavailable("token service %s answered %d", realm, tr.statusCode());
        JsonNode t = Json.MAPPER.readTree(tr.body());
        String token = t.path("token").asText(t.path("access_token").asText(""));
        if (token.isEmpty()) throw WharfException.unavailable("token service %s returned no token", realm);
        long ttl = Math.max(60, t.path("expires_in").asLong(60));
        return new CachedAuth("Bearer " + token, options.clock().instant().plusSeconds(ttl - 10));
    }

    private static String basic(Credentials c) {
        return "Basic " + Base64.getEncoder().encodeToString((c.username() + ":" + c.password()).getBytes(StandardCharsets.UTF_8));
    }

    /** The registry's error as a WharfException whose message reads like docker's ({@code code: message}). */
    private static WharfException failure(HttpResponse<?> r, byte[] body, String what) {
        String msg = null;
        if (body != null && body.length > 0) {
            try {
                JsonNode e = Json.MAPPER.readTree(body).path("errors").path(0);
                if (!e.isMissingNode()) msg = e.path("code").asText().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + ": " + e.path("message").asText();
            } catch (IOException ignored) {
                // not JSON: use the status
            }
        }
        if (msg == null) msg = "unexpected status " + r.statusCode();
        ErrorKind kind = switch (r.statusCode()) {
            case 401 -> ErrorKind.UNAUTHENTICATED;
            case 403 -> ErrorKind.PERMISSION_DENIED;
            case 404 -> ErrorKind.NOT_FOUND;
            case 400, 405, 413, 416 -> ErrorKind.INVALID_ARGUMENT;
            case 429, 502, 503, 504 -> ErrorKind.UNAVAILABLE;
            default -> ErrorKind.INTERNAL;
        };
        return new WharfException(kind, what + ": " + msg);
    }

    private static byte[] readBody(HttpResponse<InputStream> r) throws IOException {
        try (InputStream in = r.body()) {
            return in.readAllBytes();
        }
    }

    private URI uri(Endpoint ep, String path) {
        return URI.create(ep.base() + path);
    }

    // ---- login ----------------------------------------------------------------------------------------------

    /** {@code docker login}: checks the credentials against {@code /v2/}; UNAUTHENTICATED when refused. */
    public void login(String host) throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        HttpResponse<InputStream> r = send(host, null, HttpRequest.newBuilder(uri(ep, "/v2/")).GET(), HttpResponse.BodyHandlers.ofInputStream());
        byte[] body = readBody(r);
        if (r.statusCode() != 200) throw failure(r, body, "login to " + host + " failed");
    }

    // ---- manifests ------------------------------------------------------------------------------------------

    /** The hosts to pull {@code ref} from: Docker Hub's mirrors first, then the registry itself. */
    private List<String> pullHosts(Reference ref) {
        if (!ref.domain().equals(Reference.DEFAULT_DOMAIN) || options.mirrors().isEmpty()) return List.of(ref.registryHost());
        List<String> hosts = new ArrayList<>();
        for (URI m : options.mirrors()) hosts.add(m.getAuthority());
        hosts.add(ref.registryHost());
        return hosts;
    }

    /** Runs {@code call} against each pull host in turn until one answers; the last failure is thrown. */
    private <T> T fromPullHosts(Reference ref, PullCall<T> call) throws IOException, InterruptedException {
        List<String> hosts = pullHosts(ref);
        for (int i = 0; ; i++) {
            try {
                return call.apply(hosts.get(i));
            } catch (IOException | WharfException e) {
                if (i == hosts.size() - 1) throw e;
                // a mirror that lacks the content or is down: docker falls back to the next endpoint
            }
        }
    }

    @FunctionalInterface
    private interface PullCall<T> {
        T apply(String host) throws IOException, InterruptedException;
    }

    /** GETs the manifest {@code ref} names (its tag, or its digest, which is then verified). */
    public ManifestResponse getManifest(Reference ref) throws IOException, InterruptedException {
        return fromPullHosts(ref, host -> getManifest(host, ref));
    }

    private ManifestResponse getManifest(String host, Reference ref) throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        String r0 = ref.digest() != null ? ref.digest().toString() : ref.tag() != null ? ref.tag() : Reference.DEFAULT_TAG;
        HttpResponse<InputStream> r = send(host, repoScope(ref, false),
                HttpRequest.newBuilder(uri(ep, "/v2/" + ref.path() + "/manifests/" + r0)).GET().header("Accept", ACCEPT_MANIFESTS),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(4 * 1024 * 1024 + 1);
        }
        if (r.statusCode() == 404) throw new WharfException(ErrorKind.NOT_FOUND, "manifest for " + ref.familiarString() + " not found: " + failure(r, body, "").getMessage().substring(2));
        if (r.statusCode() != 200) throw failure(r, body, "pulling manifest " + ref.familiarString());
        if (body.length > 4 * 1024 * 1024) throw WharfException.invalid("manifest for %s is larger than 4 MiB", ref.familiarString());
        Digest d = Digest.sha256(body);
        if (ref.digest() != null && !ref.digest().equals(d)) {
            throw WharfException.invalid("manifest verification failed for digest %s", ref.digest());
        }
        String mt = r.headers().firstValue("Content-Type").map(s -> s.split(";", 2)[0].trim()).orElse("");
        String bodyType = "";
        try {
            bodyType = Json.MAPPER.readTree(body).path("mediaType").asText("");
        } catch (IOException e) {
            throw WharfException.invalid("manifest for %s is not JSON", ref.familiarString());
        }
        if (!bodyType.isEmpty()) mt = bodyType;
        if (mt.equals(MediaTypes.DOCKER_MANIFEST_V1) || mt.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)) {
            throw WharfException.invalid("%s uses Docker image manifest schema 1, which is not supported", ref.familiarString());
        }
        return new ManifestResponse(d, mt, body);
    }

    /** HEADs a manifest: its descriptor, or empty when the registry does not have it. */
    public Optional<Descriptor> headManifest(Reference ref) throws IOException, InterruptedException {
        try {
            return Optional.of(fromPullHosts(ref, host -> headManifest(host, ref).orElseThrow(() -> WharfException.notFound("manifest unknown"))));
        } catch (WharfException e) {
            if (e.kind() == ErrorKind.NOT_FOUND) return Optional.empty();
            throw e;
        }
    }

    private Optional<Descriptor> headManifest(String host, Reference ref) throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        String r0 = ref.digest() != null ? ref.digest().toString() : ref.tag() != null ? ref.tag() : Reference.DEFAULT_TAG;
        HttpResponse<InputStream> r = send(host, repoScope(ref, false),
                HttpRequest.newBuilder(uri(ep, "/v2/" + ref.path() + "/manifests/" + r0)).method("HEAD", HttpRequest.BodyPublishers.noBody()).header("Accept", ACCEPT_MANIFESTS),
                HttpResponse.BodyHandlers.ofInputStream());
        readBody(r);
        if (r.statusCode() == 404) return Optional.empty();
        if (r.statusCode() != 200) throw failure(r, null, "checking manifest " + ref.familiarString());
        Optional<String> dg = r.headers().firstValue("Docker-Content-Digest");
        if (dg.isEmpty()) return Optional.empty();
        return Optional.of(Descriptor.of(r.headers().firstValue("Content-Type").orElse(MediaTypes.OCI_MANIFEST),
                Digest.parse(dg.get()), r.headers().firstValueAsLong("Content-Length").orElse(0)));
    }

    /**
     * Resolves {@code ref} to the image manifest for {@code platform}: a manifest list or OCI index is followed to
     * the matching entry (docker picks linux/amd64 on this host). NOT_FOUND when no entry matches.
     */
    public Resolved resolve(Reference ref, Platform platform) throws IOException, InterruptedException {
        ManifestResponse top = getManifest(ref);
        if (MediaTypes.isIndex(top.mediaType())) {
            Index idx = Index.parse(top.bytes());
            Descriptor d = idx.select(platform).orElseThrow(() -> WharfException.notFound(
                    "no matching manifest for %s in the manifest list entries", platform));
            ManifestResponse child = getManifest(ref.withDigest(d.digest()));
            return new Resolved(ref, top, child, parseManifest(child, ref));
        }
        return new Resolved(ref, null, top, parseManifest(top, ref));
    }

    private static Manifest parseManifest(ManifestResponse m, Reference ref) {
        if (!MediaTypes.isManifest(m.mediaType())) {
            throw WharfException.invalid("%s: unsupported manifest media type %s", ref.familiarString(), m.mediaType());
        }
        return Manifest.parse(m.bytes());
    }

    /** PUTs a manifest under {@code ref}'s tag (or digest); returns the digest the registry stored it under. */
    public Digest pushManifest(Reference ref, String mediaType, byte[] bytes) throws IOException, InterruptedException {
        String host = ref.registryHost();
        Endpoint ep = endpoint(host);
        String r0 = ref.tag() != null ? ref.tag() : ref.digest() != null ? ref.digest().toString() : Reference.DEFAULT_TAG;
        HttpResponse<InputStream> r = send(host, repoScope(ref, true),
                HttpRequest.newBuilder(uri(ep, "/v2/" + ref.path() + "/manifests/" + r0)).PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .header("Content-Type", mediaType),
                HttpResponse.BodyHandlers.ofInputStream());
        byte[] body = readBody(r);
        if (r.statusCode() != 201 && r.statusCode() != 200) throw failure(r, body, "pushing manifest " + ref.familiarString());
        Digest d = Digest.sha256(bytes);
        Optional<String> served = r.headers().firstValue("Docker-Content-Digest");
        if (served.isPresent() && !served.get().equals(d.toString())) {
            throw WharfException.invalid("registry stored manifest as %s, expected %s", served.get(), d);
        }
        return d;
    }

    // ---- blobs ----------------------------------------------------------------------------------------------

    /** Whether the repository has the blob (HEAD). */
    public boolean blobExists(Reference repo, Digest d) throws IOException, InterruptedException {
        String host = repo.registryHost();
        Endpoint ep = endpoint(host);
        HttpResponse<InputStream> r = send(host, repoScope(repo, false),
                HttpRequest.newBuilder(uri(ep, "/v2/" + repo.path() + "/blobs/" + d)).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.ofInputStream());
        readBody(r);
        if (r.statusCode() == 200) return true;
        if (r.statusCode() == 404) return false;
        throw failure(r, null, "checking blob " + d.shortHex());
    }

    /** A blob response (200, or 206 for a range) whose body is being read. */
    private record BlobBody(int status, InputStream body) {}

    /** Opens a blob, following redirects to storage (without our credentials); {@code offset} > 0 asks for a range. */
    private BlobBody openBlob(Reference repo, Digest d, long offset) throws IOException, InterruptedException {
        return fromPullHosts(repo, host -> openBlob(host, repo, d, offset));
    }

    private BlobBody openBlob(String host, Reference repo, Digest d, long offset) throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        String scope = repoScope(repo, false);
        if (ep.base().startsWith("http://")) {
            // plain HTTP: read the body straight off a socket (see PlainHttpGet); anything but a 200/206 (an auth
            // challenge, a redirect, an error) goes the full client's way below, one extra request
            Map<String, String> hs = new LinkedHashMap<>();
            CachedAuth cached = auth.get(host + " " + scope);
            if (cached != null && (cached.expires() == null || cached.expires().isAfter(options.clock().instant()))) {
                hs.put("Authorization", cached.header());
            }
            if (offset > 0) hs.put("Range", "bytes=" + offset + "-");
            PlainHttpGet.Response r = null;
            try {
                r = PlainHttpGet.get(uri(ep, "/v2/" + repo.path() + "/blobs/" + d), hs, options.connectTimeout());
            } catch (IOException e) {
                // unreachable or garbled: let the full client try and word the error
            }
            if (r != null) {
                if (r.status() == 200 || (offset > 0 && r.status() == 206)) return new BlobBody(r.status(), r.body());
                r.close();
            }
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(ep, "/v2/" + repo.path() + "/blobs/" + d)).GET();
        if (offset > 0) b.header("Range", "bytes=" + offset + "-");
        HttpResponse<InputStream> r = send(host, scope, b, HttpResponse.BodyHandlers.ofInputStream());
        for (int hops = 0; hops < 5 && r.statusCode() / 100 == 3 && r.headers().firstValue("Location").isPresent(); hops++) {
            URI next = r.uri().resolve(r.headers().firstValue("Location").get());
            readBody(r);
            HttpRequest.Builder nb = HttpRequest.newBuilder(next).GET();
            if (offset > 0) nb.header("Range", "bytes=" + offset + "-");
            r = (next.getScheme().equals("http") || isInsecure(next.getAuthority()) ? insecure : secure).send(nb.build(), HttpResponse.BodyHandlers.ofInputStream());
        }
        if (r.statusCode() != 200 && r.statusCode() != 206) {
            byte[] body = readBody(r);
            throw failure(r, body, "fetching blob " + d.shortHex());
        }
        return new BlobBody(r.statusCode(), r.body());
    }

    /**
     * Opens a blob for reading: exactly {@code desc.size()} bytes (more is INVALID_ARGUMENT, fewer an
     * {@link java.io.EOFException}), NOT verified against the digest: the caller hashes what it reads (e.g. into a
     * content-store writer, which verifies on commit), so the bytes are hashed once. {@link #fetchBlob} verifies itself.
     */
    public InputStream openBlob(Reference repo, Descriptor desc) throws IOException, InterruptedException {
        BlobBody r = openBlob(repo, desc.digest(), 0);
        return new ExactLength(r.body(), desc);
    }

    private static final class ExactLength extends FilterInputStream {
        private final Descriptor desc;
        private long n;

        ExactLength(InputStream in, Descriptor desc) {
            super(in);
            this.desc = desc;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0;
            int k = in.read(b, off, len);
            if (k < 0) {
                if (n < desc.size()) throw new java.io.EOFException("blob " + desc.digest().shortHex() + ": connection closed after " + n + " of " + desc.size() + " bytes");
                return -1;
            }
            n += k;
            if (n > desc.size()) throw WharfException.invalid("blob %s is larger than its descriptor says", desc.digest().shortHex());
            return k;
        }
    }

    /** Streams a blob into {@code out}, verifying its size and digest; throws (after writing) if they differ. */
    public void fetchBlob(Reference repo, Descriptor desc, OutputStream out, Progress progress) throws IOException, InterruptedException {
        MessageDigest md = Digest.newSha256();
        long n = 0;
        BlobBody r = openBlob(repo, desc.digest(), 0);
        try (InputStream in = r.body()) {
            byte[] buf = new byte[256 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) {
                md.update(buf, 0, k);
                out.write(buf, 0, k);
                n += k;
                if (n > desc.size() && desc.size() > 0) throw WharfException.invalid("blob %s is larger than its descriptor says", desc.digest().shortHex());
                progress.update(n, desc.size());
            }
        }
        verify(desc, Digest.ofSha256(md), n);
    }

    /**
     * Downloads a blob into {@code file}, resuming after the bytes already there (a Range request) when the
     * registry supports it. The file holds the verified blob on return; on a digest mismatch it is deleted.
     */
    public void fetchBlob(Reference repo, Descriptor desc, Path file, Progress progress) throws IOException, InterruptedException {
        // a dropped connection resumes from the bytes already on disk, as docker retries layer downloads
        for (int attempt = 1; ; attempt++) {
            try {
                fetchBlobOnce(repo, desc, file, progress);
                return;
            } catch (IOException e) {
                if (attempt >= DOWNLOAD_ATTEMPTS) throw e;
                Thread.sleep(200L * attempt);
            }
        }
    }

    private static final int DOWNLOAD_ATTEMPTS = 3;

    private void fetchBlobOnce(Reference repo, Descriptor desc, Path file, Progress progress) throws IOException, InterruptedException {
        long have = Files.exists(file) ? Files.size(file) : 0;
        if (have > desc.size()) {
            Files.delete(file);
            have = 0;
        }
        BlobBody r = openBlob(repo, desc.digest(), have);
        boolean resumed = have > 0 && r.status() == 206;
        MessageDigest md = Digest.newSha256();
        long n = 0;
        if (resumed) {
            try (InputStream old = Files.newInputStream(file)) {
                byte[] buf = new byte[128 * 1024];
                int k;
                while ((k = old.read(buf)) > 0) md.update(buf, 0, k);
            }
            n = have;
        }
        try (InputStream in = r.body();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     resumed ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[128 * 1024];
            int k;
            while ((k = in.read(buf)) > 0) {
                md.update(buf, 0, k);
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, k);
                while (bb.hasRemaining()) ch.write(bb);
                n += k;
                if (n > desc.size() && desc.size() > 0) break;
                progress.update(n, desc.size());
            }
        }
        try {
            verify(desc, Digest.ofSha256(md), n);
        } catch (WharfException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    private static void verify(Descriptor desc, Digest actual, long n) {
        if (n != desc.size()) throw WharfException.invalid("blob %s: got %d bytes, expected %d", desc.digest().shortHex(), n, desc.size());
        if (!actual.equals(desc.digest())) throw WharfException.invalid("blob %s: digest mismatch (got %s)", desc.digest(), actual);
    }

    /**
     * Pushes a blob the way docker does: HEAD (already there), then a cross-repository mount from each of
     * {@code mountFrom} (repository paths on the same registry), then an upload: one streamed PATCH or, with a
     * chunk size, PATCHes with Content-Range, and the closing PUT with the digest.
     */
    public PushOutcome pushBlob(Reference repo, Descriptor desc, BlobSource source, List<String> mountFrom, Progress progress)
            throws IOException, InterruptedException {
        if (blobExists(repo, desc.digest())) {
            progress.update(desc.size(), desc.size());
            return PushOutcome.EXISTS;
        }
        String host = repo.registryHost();
        Endpoint ep = endpoint(host);
        String scope = repoScope(repo, true);
        String location = null;
        for (String from : mountFrom == null ? List.<String>of() : mountFrom) {
            if (from.equals(repo.path())) continue;
            String mscope = scope + " repository:" + from + ":pull";
            HttpResponse<InputStream> r = send(host, mscope, HttpRequest.newBuilder(uri(ep, "/v2/" + repo.path() + "/blobs/uploads/?mount="
                    + desc.digest() + "&from=" + URLEncoder.encode(from, StandardCharsets.UTF_8))).POST(HttpRequest.BodyPublishers.noBody()),
                    HttpResponse.BodyHandlers.ofInputStream());
            byte[] body = readBody(r);
            if (r.statusCode() == 201) {
                progress.update(desc.size(), desc.size());
                return PushOutcome.MOUNTED;
            }
            if (r.statusCode() == 202) {
                location = r.headers().firstValue("Location").orElse(null);
                break;
            }
            if (r.statusCode() != 401 && r.statusCode() != 403) throw failure(r, body, "mounting blob " + desc.digest().shortHex());
        }
        if (location == null) {
            HttpResponse<InputStream> r = send(host, scope, HttpRequest.newBuilder(uri(ep, "/v2/" + repo.path() + "/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body = readBody(r);
            if (r.statusCode() != 202) throw failure(r, body, "starting upload of " + desc.digest().shortHex());
            location = r.headers().firstValue("Location").orElseThrow(() -> WharfException.invalid("registry sent no upload Location"));
        }
        URI loc = URI.create(ep.base() + "/").resolve(location);
        long chunk = options.chunkSize();
        if (chunk <= 0 || desc.size() <= chunk) {
            loc = patch(host, scope, loc, source, 0, desc.size(), progress, desc);
        } else {
            for (long off = 0; off < desc.size(); off += chunk) {
                loc = patch(host, scope, loc, source, off, Math.min(chunk, desc.size() - off), progress, desc);
            }
        }
        String q = loc.getRawQuery();
        URI put = URI.create(loc.toString() + (q == null ? "?" : "&") + "digest=" + URLEncoder.encode(desc.digest().toString(), StandardCharsets.UTF_8));
        HttpResponse<InputStream> r = send(host, scope, HttpRequest.newBuilder(put).PUT(HttpRequest.BodyPublishers.noBody())
                .header("Content-Type", "application/octet-stream"), HttpResponse.BodyHandlers.ofInputStream());
        byte[] body = readBody(r);
        if (r.statusCode() != 201 && r.statusCode() != 204) throw failure(r, body, "completing upload of " + desc.digest().shortHex());
        return PushOutcome.UPLOADED;
    }

    /** One PATCH of {@code length} bytes from {@code offset}; returns the next Location. */
    private URI patch(String host, String scope, URI loc, BlobSource source, long offset, long length, Progress progress, Descriptor desc)
            throws IOException, InterruptedException {
        HttpRequest.BodyPublisher body = length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                InputStream in = source.open();
                in.skipNBytes(offset);
                return new Counting(new BoundedStream(in, length), offset, desc.size(), progress);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }), length);
        HttpRequest.Builder b = HttpRequest.newBuilder(loc).method("PATCH", body).header("Content-Type", "application/octet-stream");
        if (length > 0 && (offset > 0 || options.chunkSize() > 0)) b.header("Content-Range", offset + "-" + (offset + length - 1));
        HttpResponse<InputStream> r = send(host, scope, b, HttpResponse.BodyHandlers.ofInputStream());
        byte[] rb = readBody(r);
        if (r.statusCode() != 202 && r.statusCode() != 204) throw failure(r, rb, "uploading blob " + desc.digest().shortHex());
        return r.headers().firstValue("Location").map(l -> loc.resolve(l)).orElse(loc);
    }

    private static final class BoundedStream extends FilterInputStream {
        private long left;

        BoundedStream(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int b = super.read();
            if (b >= 0) left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }

    private static final class Counting extends FilterInputStream {
        private long done;
        private final long total;
        private final Progress progress;

        Counting(InputStream in, long start, long total, Progress progress) {
            super(in);
            this.done = start;
            this.total = total;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) progress.update(++done, total);
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                done += n;
                progress.update(done, total);
            }
            return n;
        }
    }

    // ---- listing --------------------------------------------------------------------------------------------

    /** All tags of a repository (following Link pagination). */
    public List<String> tags(Reference repo) throws IOException, InterruptedException {
        return list(repo.registryHost(), repoScope(repo, false), "/v2/" + repo.path() + "/tags/list", "tags");
    }

    /** All repositories of a registry (following Link pagination). */
    public List<String> catalog(String host) throws IOException, InterruptedException {
        return list(host, "registry:catalog:*", "/v2/_catalog", "repositories");
    }

    private List<String> list(String host, String scope, String path, String field) throws IOException, InterruptedException {
        Endpoint ep = endpoint(host);
        List<String> out = new ArrayList<>();
        String next = path;
        for (int pages = 0; next != null && pages < 10_000; pages++) {
            HttpResponse<InputStream> r = send(host, scope, HttpRequest.newBuilder(uri(ep, next)).GET(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] body = readBody(r);
            if (r.statusCode() != 200) throw failure(r, body, "listing " + path);
            Json.MAPPER.readTree(body).path(field).forEach(x -> out.add(x.asText()));
            next = r.headers().firstValue("Link").map(l -> {
                Matcher m = Pattern.compile("<([^>]+)>").matcher(l);
                return m.find() ? m.group(1) : null;
            }).orElse(null);
        }
        return out;
    }

    // ---- TLS ------------------------------------------------------------------------------------------------

    /** For insecure registries only: accepts any certificate, as docker does for insecure-registries. */
    private static SSLContext trustAll() {
        X509ExtendedTrustManager tm = new X509ExtendedTrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}
            @Override public void checkClientTrusted(X509Certificate[] c, String a) {}
            @Override public void checkServerTrusted(X509Certificate[] c, String a) {}
            @Override public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new javax.net.ssl.TrustManager[]{tm}, null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
