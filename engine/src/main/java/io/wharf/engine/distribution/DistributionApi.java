package io.wharf.engine.distribution;

import io.wharf.common.WharfException;
import io.wharf.engine.Events;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.HttpServer;
import io.wharf.engine.wire.Router;
import io.wharf.oci.Digest;
import io.wharf.oci.Platform;
import io.wharf.oci.Reference;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry endpoints of the Docker Engine API: {@code POST /images/create?fromImage=} (pull),
 * {@code POST /images/{name}/push}, {@code POST /auth}. Register with {@link #routes(Router, HttpServer.Handler)}
 * BEFORE the image routes (the router takes the first match); {@code fromSrc=} imports go to the given fallback.
 */
public final class DistributionApi {
    private final Distribution distribution;
    private final Events events;

    /** @param events where pull/push events go ({@code docker events}); null for none */
    public DistributionApi(Distribution distribution, Events events) {
        this.distribution = distribution;
        this.events = events;
    }

    /**
     * @param createFallback the engine's own {@code POST /images/create} handler, for {@code fromSrc=} (import);
     *                       null to answer those with 400
     */
    public void routes(Router r, HttpServer.Handler createFallback) {
        r.add("POST", "/images/create", (q, s) -> {
            String from = q.query("fromImage", "");
            if (from.isEmpty()) {
                if (createFallback == null) throw WharfException.invalid("fromImage or fromSrc is required");
                createFallback.handle(q, s);
                return;
            }
            pull(q, s);
        });
        r.add("POST", "/images/{name*}/push", this::push);
        r.add("POST", "/auth", this::auth);
        r.add("GET", "/distribution/{name*}/json", this::inspect);
        r.add("GET", "/images/search", this::search);
    }

    /** moby's postImagesCreate: {@code fromImage} plus {@code tag}, where the tag may also be a digest. */
    static Reference pullReference(String fromImage, String tag) {
        Reference ref = Reference.parse(fromImage);
        if (tag == null || tag.isEmpty()) return ref;
        if (tag.contains(":")) {
            Digest d;
            try {
                d = Digest.parse(tag);
            } catch (WharfException e) {
                throw WharfException.invalid("invalid reference format");
            }
            return ref.repository().withDigest(d);
        }
        return ref.repository().withTag(tag);
    }

    void pull(HttpRequest req, HttpResponse resp) throws Exception {
        Reference ref = pullReference(req.query("fromImage"), req.query("tag", ""));
        String p = req.query("platform", "");
        Platform platform = p.isEmpty() ? null : Platform.parse(p);
        AuthConfig auth = AuthConfig.decodeHeader(req.header("X-Registry-Auth"));
        ResponseSink sink = new ResponseSink(resp);
        try {
            List<Distribution.PullResult> results = distribution.pull(ref, platform, auth, sink);
            for (Distribution.PullResult r : results) event("pull", r.reference());
        } catch (Exception e) {
            inBand(sink, e);
        }
    }

    void push(HttpRequest req, HttpResponse resp) throws Exception {
        Reference name = Reference.parse(req.param("name"));
        String tag = req.query("tag", "");
        AuthConfig auth = AuthConfig.decodeHeader(req.header("X-Registry-Auth"));
        ResponseSink sink = new ResponseSink(resp);
        try {
            List<Distribution.PushResult> results = distribution.push(name, tag.isEmpty() ? null : tag, auth, sink);
            for (Distribution.PushResult r : results) event("push", name.repository().withTag(r.tag()));
        } catch (Exception e) {
            inBand(sink, e);
        }
    }

    void auth(HttpRequest req, HttpResponse resp) throws Exception {
        AuthConfig a = AuthConfig.parseBody(req.bodyBytes(1 << 20));
        distribution.login(a);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Status", "Login Succeeded");
        m.put("IdentityToken", "");
        resp.json(200, m);
    }

    void inspect(HttpRequest req, HttpResponse resp) throws Exception {
        Reference ref = Reference.parse(req.param("name"));
        Distribution.DistributionInspect i = distribution.inspect(ref, AuthConfig.decodeHeader(req.header("X-Registry-Auth")));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", i.descriptor().mediaType());
        d.put("digest", i.descriptor().digest().toString());
        d.put("size", i.descriptor().size());
        List<Map<String, Object>> platforms = new java.util.ArrayList<>();
        for (Platform p : i.platforms()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("architecture", p.architecture());
            m.put("os", p.os());
            if (p.variant() != null) m.put("variant", p.variant());
            platforms.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Descriptor", d);
        body.put("Platforms", platforms);
        resp.json(200, body);
    }

    void search(HttpRequest req, HttpResponse resp) throws Exception {
        String term = req.query("term", "");
        if (term.isEmpty()) throw WharfException.invalid("term is required");
        Integer limit = req.intQuery("limit");
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        for (Distribution.SearchResult r : distribution.search(term, limit == null ? 25 : limit, AuthConfig.decodeHeader(req.header("X-Registry-Auth")))) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("star_count", r.starCount());
            m.put("is_official", r.official());
            m.put("name", r.name());
            m.put("is_automated", r.automated());
            m.put("description", r.description());
            out.add(m);
        }
        resp.json(200, out);
    }

    private void event(String action, Reference ref) {
        if (events == null) return;
        events.emit("image", action, ref.familiarString(), Map.of("name", ref.familiarName()));
    }

    /** Before the first message an error is an HTTP status (rethrown); after it, docker's in-band errorDetail. */
    private static void inBand(ResponseSink sink, Exception e) throws Exception {
        if (!sink.started()) throw e;
        if (e instanceof UncheckedIOException || e instanceof IOException) {
            // the client went away: nothing left to tell it
            return;
        }
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        try {
            sink.send(JsonMessage.error(msg));
        } catch (UncheckedIOException ignored) {
            // client gone
        }
        if (e instanceof InterruptedException) Thread.currentThread().interrupt();
    }

    /** Opens the chunked JSON stream on the first message; one message per write (the engine flushes each). */
    static final class ResponseSink implements MessageSink {
        private final HttpResponse resp;
        private OutputStream out;

        ResponseSink(HttpResponse resp) {
            this.resp = resp;
        }

        @Override
        public synchronized void send(JsonMessage m) {
            try {
                if (out == null) out = resp.stream(200, "application/json");
                out.write(m.toBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized boolean started() {
            return out != null;
        }
    }
}
