package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.oci.Digest;
import io.wharf.oci.MediaTypes;
import io.wharf.registry.storage.StorageDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The distribution-spec v1.1 endpoints over {@link RegistryStorage}. Runs on a virtual thread per request; every
 * failure leaves through {@link #error} as the spec's {@code errors[]} document.
 */
final class RegistryApi {
    private static final Logger log = LoggerFactory.getLogger(RegistryApi.class);
    private static final Pattern RANGE = Pattern.compile("(?:bytes=)?(\\d+)-(\\d+)");
    private static final Pattern BYTES_RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.US_ASCII);

    private final RegistryStorage storage;
    private final Authenticator auth;

    RegistryApi(RegistryStorage storage, Authenticator auth) {
        this.storage = storage;
        this.auth = auth;
    }

    void serve(Exchange ex) {
        try {
            QueryStringDecoder q = new QueryStringDecoder(ex.request.uri());
            Route route = Route.parse(q.path());
            if (!authorize(ex, route, q)) return;
            dispatch(ex, route, q);
        } catch (RegistryException e) {
            error(ex, e.code(), e.status(), e.getMessage(), e.detail());
        } catch (WharfException e) {
            ErrorCode c = ErrorCode.of(e.kind());
            if (c == ErrorCode.UNKNOWN) log.warn("registry request {} {} failed", ex.request.method(), ex.request.uri(), e);
            error(ex, c, c.status, e.getMessage(), null);
        } catch (IOException e) {
            // mostly a client that went away mid-body; its upload keeps what arrived and can resume
            log.debug("registry request {} {}: {}", ex.request.method(), ex.request.uri(), e.toString());
            error(ex, ErrorCode.BLOB_UPLOAD_INVALID, 400, e.getMessage(), null);
        } catch (RuntimeException e) {
            log.warn("registry request {} {} failed", ex.request.method(), ex.request.uri(), e);
            error(ex, ErrorCode.UNKNOWN, 500, String.valueOf(e.getMessage()), null);
        } finally {
            ex.body.close();
        }
    }

    private void error(Exchange ex, ErrorCode code, int status, String message, Object detail) {
        if (ex.responded() || !ex.ctx.channel().isActive()) return;
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", code.name());
        err.put("message", message == null ? code.message : message);
        err.put("detail", detail);
        ex.respond(status, Exchange.headers(), Json.bytes(Map.of("errors", List.of(err))), "application/json; charset=utf-8");
    }

    // ---- authorization --------------------------------------------------------------------------------------

    private boolean authorize(Exchange ex, Route route, QueryStringDecoder q) {
        if (auth instanceof Authenticator.None) return true;
        HttpMethod m = ex.request.method();
        List<String> actions = m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) ? List.of("pull")
                : m.equals(HttpMethod.DELETE) ? List.of("delete") : List.of("pull", "push");
        List<Authenticator.Scope> scopes = switch (route) {
            case Route.Base b -> List.of();
            case Route.Catalog c -> List.of(new Authenticator.Scope("registry", "catalog", List.of("*")));
            case Route.Tags r -> List.of(new Authenticator.Scope("repository", r.name().value(), List.of("pull")));
            case Route.Manifest r -> List.of(new Authenticator.Scope("repository", r.name().value(), actions));
            case Route.UploadStart r -> List.of(new Authenticator.Scope("repository", r.name().value(), actions));
            case Route.Upload r -> List.of(new Authenticator.Scope("repository", r.name().value(), List.of("pull", "push")));
            case Route.Blob r -> List.of(new Authenticator.Scope("repository", r.name().value(), actions));
            case Route.Referrers r -> List.of(new Authenticator.Scope("repository", r.name().value(), List.of("pull")));
            case Route.Unknown u -> List.of();
        };
        Authenticator.Denial d = auth.check(ex.request.headers().get(HttpHeaderNames.AUTHORIZATION), scopes);
        if (d == null) return true;
        HttpHeaders h = Exchange.headers();
        h.set(HttpHeaderNames.WWW_AUTHENTICATE, d.challenge());
        Map<String, Object> err = new LinkedHashMap<>();
        err.put("code", d.code().name());
        err.put("message", d.message());
        err.put("detail", scopes.isEmpty() ? null : scopes.stream().map(Authenticator.Scope::toString).toList());
        ex.respond(401, h, Json.bytes(Map.of("errors", List.of(err))), "application/json; charset=utf-8");
        return false;
    }

    // ---- dispatch -------------------------------------------------------------------------------------------

    private void dispatch(Exchange ex, Route route, QueryStringDecoder q) throws IOException {
        HttpMethod m = ex.request.method();
        String method = m.name();
        switch (route) {
            case Route.Base b when method.equals("GET") || method.equals("HEAD") ->
                    ex.respond(200, Exchange.headers(), EMPTY_JSON, "application/json");
            case Route.Catalog c when method.equals("GET") -> catalog(ex, q);
            case Route.Tags t when method.equals("GET") -> tags(ex, t.name(), q);
            case Route.Manifest r -> {
                switch (method) {
                    case "GET", "HEAD" -> getManifest(ex, r);
                    case "PUT" -> putManifest(ex, r);
                    case "DELETE" -> {
                        storage.deleteManifest(r.name(), r.ref());
                        ex.respond(202, Exchange.headers(), null, null);
                    }
                    default -> unsupported(ex);
                }
            }
            case Route.Blob r -> {
                switch (method) {
                    case "GET", "HEAD" -> getBlob(ex, r);
                    case "DELETE" -> {
                        storage.deleteBlob(r.name(), r.digest());
                        HttpHeaders h = Exchange.headers();
                        h.set("Docker-Content-Digest", r.digest().toString());
                        ex.respond(202, h, null, null);
                    }
                    default -> unsupported(ex);
                }
            }
            case Route.UploadStart r when method.equals("POST") -> startUpload(ex, r.name(), q);
            case Route.Upload r -> {
                switch (method) {
                    case "GET" -> uploadStatus(ex, r.name(), storage.uploadStatus(r.name(), r.uuid()), 204);
                    case "PATCH" -> {
                        Long start = null;
                        String cr = ex.request.headers().get(HttpHeaderNames.CONTENT_RANGE);
                        if (cr != null) {
                            Matcher mm = RANGE.matcher(cr.trim());
                            if (!mm.matches()) throw new RegistryException(ErrorCode.BLOB_UPLOAD_INVALID, "invalid Content-Range", cr, 416);
                            start = Long.parseLong(mm.group(1));
                        }
                        var st = storage.append(r.name(), r.uuid(), start, contentLength(ex), ex.body);
                        uploadStatus(ex, r.name(), st, 202);
                    }
                    case "PUT" -> {
                        Digest d = requiredDigest(q);
                        Long start = null;
                        String cr = ex.request.headers().get(HttpHeaderNames.CONTENT_RANGE);
                        if (cr != null) {
                            Matcher mm = RANGE.matcher(cr.trim());
                            if (mm.matches()) start = Long.parseLong(mm.group(1));
                        }
                        storage.complete(r.name(), r.uuid(), d, start, ex.body);
                        blobCreated(ex, r.name(), d);
                    }
                    case "DELETE" -> {
                        storage.cancelUpload(r.name(), r.uuid());
                        ex.respond(204, Exchange.headers(), null, null);
                    }
                    default -> unsupported(ex);
                }
            }
            case Route.Referrers r when method.equals("GET") -> {
                String artifactType = first(q, "artifactType");
                ObjectNode idx = storage.referrers(r.name(), r.subject(), artifactType);
                HttpHeaders h = Exchange.headers();
                if (artifactType != null) h.set("OCI-Filters-Applied", "artifactType");
                ex.respond(200, h, Json.bytes(idx), MediaTypes.OCI_INDEX);
            }
            case Route.Unknown u -> error(ex, ErrorCode.UNSUPPORTED, 404, "no such endpoint", u.path());
            default -> unsupported(ex);
        }
    }

    private static void unsupported(Exchange ex) {
        throw new RegistryException(ErrorCode.UNSUPPORTED, "method " + ex.request.method() + " not allowed here");
    }

    private static String first(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static Long contentLength(Exchange ex) {
        String cl = ex.request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (cl == null) return null;
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.SIZE_INVALID, "invalid Content-Length", cl);
        }
    }

    private static Digest requiredDigest(QueryStringDecoder q) {
        String d = first(q, "digest");
        if (d == null) throw new RegistryException(ErrorCode.DIGEST_INVALID, "digest parameter missing", null);
        return Route.digest(d);
    }

    // ---- listing --------------------------------------------------------------------------------------------

    /** The {@code n}/{@code last} page of a sorted list, with the Link header to the next page. */
    private static List<String> page(List<String> all, QueryStringDecoder q, String base, HttpHeaders h) {
        String last = first(q, "last");
        String nParam = first(q, "n");
        int from = 0;
        if (last != null) {
            while (from < all.size() && all.get(from).compareTo(last) <= 0) from++;
        }
        if (nParam == null) return all.subList(from, all.size());
        int n;
        try {
            n = Integer.parseInt(nParam);
        } catch (NumberFormatException e) {
            throw new RegistryException(ErrorCode.UNSUPPORTED, "invalid n", nParam, 400);
        }
        if (n < 0) throw new RegistryException(ErrorCode.UNSUPPORTED, "invalid n", nParam, 400);
        int to = (int) Math.min(all.size(), (long) from + n);
        List<String> page = all.subList(from, to);
        if (to < all.size() && !page.isEmpty()) {
            h.set("Link", "<" + base + "?n=" + n + "&last=" + URLEncoder.encode(page.getLast(), StandardCharsets.UTF_8) + ">; rel=\"next\"");
        }
        return page;
    }

    private void catalog(Exchange ex, QueryStringDecoder q) {
        HttpHeaders h = Exchange.headers();
        List<String> repos = page(storage.catalog(), q, "/v2/_catalog", h);
        ex.respond(200, h, Json.bytes(Map.of("repositories", repos)), "application/json");
    }

    private void tags(Exchange ex, RepositoryName name, QueryStringDecoder q) {
        HttpHeaders h = Exchange.headers();
        List<String> tags = page(storage.tags(name), q, "/v2/" + name + "/tags/list", h);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name.value());
        body.put("tags", tags);
        ex.respond(200, h, Json.bytes(body), "application/json");
    }

    // ---- manifests ------------------------------------------------------------------------------------------

    private void getManifest(Exchange ex, Route.Manifest r) {
        RegistryStorage.StoredManifest m = storage.getManifest(r.name(), r.ref());
        List<String> accept = accepted(ex);
        if (!acceptable(accept, m)) {
            // a client that cannot read indexes gets the linux/amd64 image, as distribution does for old clients
            m = platformChild(r.name(), m, accept).orElseThrow(() -> new RegistryException(ErrorCode.MANIFEST_UNKNOWN,
                    "manifest is " + storage.getManifest(r.name(), r.ref()).mediaType() + ", which the Accept header excludes", null));
        }
        respondManifest(ex, m);
    }

    /**
     * Event loop: answers a manifest GET or HEAD straight from memory (the link and manifest caches of
     * {@link RegistryStorage}), sparing the hop to a virtual thread and back that dominates a small response.
     * Returns false, having sent nothing, whenever anything would need storage, authentication or an error
     * response: the request then takes the ordinary path.
     */
    boolean serveFromMemory(Exchange ex) {
        HttpMethod m = ex.request.method();
        if (!(auth instanceof Authenticator.None) || !(m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD))) return false;
        String uri = ex.request.uri();
        if (!uri.contains("/manifests/")) return false;
        try {
            if (!(Route.parse(new QueryStringDecoder(uri).path()) instanceof Route.Manifest r)) return false;
            RegistryStorage.StoredManifest sm = storage.cachedManifest(r.name(), r.ref());
            if (sm == null || !acceptable(accepted(ex), sm)) return false;
            respondManifest(ex, sm);
            return true;
        } catch (RuntimeException e) {
            return false; // an invalid name or reference: the ordinary path answers with the spec's error
        }
    }

    private static List<String> accepted(Exchange ex) {
        List<String> accept = new ArrayList<>();
        for (String v : ex.request.headers().getAll(HttpHeaderNames.ACCEPT)) {
            for (String part : v.split(",")) accept.add(part.split(";", 2)[0].trim());
        }
        return accept;
    }

    /** Whether the Accept header admits the manifest as it is (no header, or none naming a manifest type, admits all). */
    private static boolean acceptable(List<String> accept, RegistryStorage.StoredManifest m) {
        boolean explicit = accept.stream().anyMatch(RegistryStorage.MANIFEST_TYPES::contains);
        return !explicit || accept.contains(m.mediaType()) || accept.contains("*/*");
    }

    private static void respondManifest(Exchange ex, RegistryStorage.StoredManifest m) {
        HttpHeaders h = Exchange.headers();
        h.set("Docker-Content-Digest", m.digest().toString());
        h.set(HttpHeaderNames.ETAG, "\"" + m.digest() + "\"");
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, m.bytes().length);
        ex.respond(200, h, m.bytes(), m.mediaType());
    }

    private Optional<RegistryStorage.StoredManifest> platformChild(RepositoryName n, RegistryStorage.StoredManifest idx, List<String> accept) {
        if (!idx.mediaType().equals(MediaTypes.OCI_INDEX) && !idx.mediaType().equals(MediaTypes.DOCKER_MANIFEST_LIST)) return Optional.empty();
        for (JsonNode d : idx.doc().path("manifests")) {
            JsonNode p = d.path("platform");
            if ("linux".equals(p.path("os").asText()) && "amd64".equals(p.path("architecture").asText())
                    && accept.contains(d.path("mediaType").asText())) {
                return Optional.of(storage.getManifest(n, new ManifestRef.ByDigest(Digest.parse(d.path("digest").asText()))));
            }
        }
        return Optional.empty();
    }

    private void putManifest(Exchange ex, Route.Manifest r) throws IOException {
        Long len = contentLength(ex);
        if (len != null && len > RegistryStorage.MAX_MANIFEST_BYTES) {
            throw new RegistryException(ErrorCode.MANIFEST_INVALID, "manifest too big", "limit is " + RegistryStorage.MAX_MANIFEST_BYTES + " bytes", 413);
        }
        byte[] bytes = ex.body.readAll(RegistryStorage.MAX_MANIFEST_BYTES, () -> new RegistryException(ErrorCode.MANIFEST_INVALID,
                "manifest too big", "limit is " + RegistryStorage.MAX_MANIFEST_BYTES + " bytes", 413));
        var res = storage.putManifest(r.name(), r.ref(), ex.request.headers().get(HttpHeaderNames.CONTENT_TYPE), bytes);
        HttpHeaders h = Exchange.headers();
        h.set(HttpHeaderNames.LOCATION, "/v2/" + r.name() + "/manifests/" + res.digest());
        h.set("Docker-Content-Digest", res.digest().toString());
        if (res.subject() != null) h.set("OCI-Subject", res.subject().toString());
        ex.respond(201, h, null, null);
    }

    // ---- blobs ----------------------------------------------------------------------------------------------

    private void getBlob(Exchange ex, Route.Blob r) throws IOException {
        long size = storage.statBlob(r.name(), r.digest());
        HttpHeaders h = Exchange.headers();
        h.set("Docker-Content-Digest", r.digest().toString());
        h.set(HttpHeaderNames.ETAG, "\"" + r.digest() + "\"");
        h.set(HttpHeaderNames.ACCEPT_RANGES, "bytes");
        h.set(HttpHeaderNames.CACHE_CONTROL, "max-age=31536000");
        h.set(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
        long offset = 0, length = size;
        int status = 200;
        String range = ex.request.headers().get(HttpHeaderNames.RANGE);
        if (range != null && ex.request.method().equals(HttpMethod.GET)) {
            Matcher mm = BYTES_RANGE.matcher(range.trim());
            long start, end;
            if (mm.matches() && !(mm.group(1).isEmpty() && mm.group(2).isEmpty())) {
                if (mm.group(1).isEmpty()) { // suffix range: the last N bytes
                    long n = Long.parseLong(mm.group(2));
                    start = Math.max(0, size - n);
                    end = size - 1;
                } else {
                    start = Long.parseLong(mm.group(1));
                    end = mm.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(mm.group(2)), size - 1);
                }
                if (start >= size || start > end) {
                    h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
                    ex.respond(416, h, null, null);
                    return;
                }
                offset = start;
                length = end - start + 1;
                status = 206;
                h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + size);
            }
        }
        String path = storage.blobPath(r.digest());
        StorageDriver driver = storage.driver();
        Optional<Path> local = driver.localFile(path);
        if (local.isPresent()) {
            ex.respondFile(status, h, local.get(), offset, length);
        } else {
            InputStream in = driver.reader(path, offset);
            ex.respondStream(status, h, in, length);
        }
    }

    private void startUpload(Exchange ex, RepositoryName name, QueryStringDecoder q) throws IOException {
        String mount = first(q, "mount"), from = first(q, "from");
        if (mount != null && from != null) {
            Digest d = Route.digest(mount);
            RepositoryName source = null;
            try {
                source = RepositoryName.parse(from);
            } catch (RegistryException ignored) {
                // an unusable source just means no mount: the client uploads instead
            }
            if (source != null && mayPull(ex, source) && storage.mount(name, source, d)) {
                blobCreated(ex, name, d);
                return;
            }
        }
        String digest = first(q, "digest");
        if (digest != null) {
            Digest d = Route.digest(digest);
            storage.putBlob(name, d, contentLength(ex), ex.body);
            blobCreated(ex, name, d);
            return;
        }
        uploadStatus(ex, name, storage.startUpload(name), 202);
    }

    private boolean mayPull(Exchange ex, RepositoryName source) {
        return auth.check(ex.request.headers().get(HttpHeaderNames.AUTHORIZATION),
                List.of(new Authenticator.Scope("repository", source.value(), List.of("pull")))) == null;
    }

    private static void blobCreated(Exchange ex, RepositoryName name, Digest d) {
        HttpHeaders h = Exchange.headers();
        h.set(HttpHeaderNames.LOCATION, "/v2/" + name + "/blobs/" + d);
        h.set("Docker-Content-Digest", d.toString());
        ex.respond(201, h, null, null);
    }

    private static void uploadStatus(Exchange ex, RepositoryName name, RegistryStorage.UploadStatus st, int status) {
        HttpHeaders h = Exchange.headers();
        h.set(HttpHeaderNames.LOCATION, "/v2/" + name + "/blobs/uploads/" + st.uuid());
        h.set(HttpHeaderNames.RANGE, "0-" + Math.max(0, st.size() - 1));
        h.set("Docker-Upload-UUID", st.uuid());
        ex.respond(status, h, null, null);
    }
}
