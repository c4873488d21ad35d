package io.wharf.engine;

import io.wharf.build.BuildMessage;
import io.wharf.build.BuildRequest;
import io.wharf.build.Builder;
import io.wharf.common.WharfException;
import io.wharf.engine.distribution.AuthConfig;
import io.wharf.engine.distribution.Distribution;
import io.wharf.engine.distribution.JsonMessage;
import io.wharf.engine.distribution.MessageSink;
import io.wharf.engine.wire.HttpRequest;
import io.wharf.engine.wire.HttpResponse;
import io.wharf.engine.wire.Router;
import io.wharf.oci.Digest;
import io.wharf.oci.Reference;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * POST /build (the classic builder, wire notes §8): the context tar streams from the request into the build module's
 * {@link Builder}, whose messages stream back as dockerd's JSON messages. A base image that is not local is pulled
 * through the engine's registry client.
 */
final class BuildApi {
    private final Containers containers;
    private final Builder builder;

    BuildApi(Containers containers, Builder builder, Distribution distribution) {
        this.containers = containers;
        this.builder = builder;
        if (distribution != null) builder.puller((ref, progress) -> pull(distribution, ref, progress));
    }

    void routes(Router r) {
        r.add("POST", "/build", this::build);
        r.add("POST", "/build/prune", (q, s) -> s.json(200, Map.of("CachesDeleted", List.of(), "SpaceReclaimed", 0)));
    }

    private static Digest pull(Distribution distribution, String reference, java.util.function.Consumer<BuildMessage> progress) {
        MessageSink sink = new MessageSink() {
            boolean any;

            @Override
            public void send(JsonMessage m) {
                any = true;
                if (m.status() != null && (m.progress() == null || m.progress().equals(JsonMessage.Progress.EMPTY)))
                    progress.accept(new BuildMessage.Status(m.status(), m.id()));
            }

            @Override
            public boolean started() {
                return any;
            }
        };
        try {
            List<Distribution.PullResult> r = distribution.pull(Reference.parse(reference).withDefaultTag(), null, AuthConfig.EMPTY, sink);
            if (r.isEmpty()) throw WharfException.notFound("pull access denied for %s", reference);
            return r.getFirst().imageId();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw WharfException.unavailable("pull of %s interrupted", reference);
        }
    }

    void build(HttpRequest req, HttpResponse resp) throws IOException {
        Map<String, List<String>> q = new LinkedHashMap<>();
        for (String k : List.of("dockerfile", "t", "buildargs", "labels", "target", "nocache", "pull", "q", "rm", "forcerm",
                "networkmode", "extrahosts", "remote", "version", "platform", "cachefrom")) {
            List<String> v = req.queryAll(k);
            if (!v.isEmpty()) q.put(k, v);
        }
        BuildRequest br = BuildRequest.fromQuery(q, new BufferedInputStream(req.body(), 64 * 1024));
        OutputStream out = resp.stream(200, "application/json");
        Digest id = builder.buildStreaming(br, m -> {
            try {
                out.write(m.toJson());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (id != null) {
            Map<String, String> a = new LinkedHashMap<>();
            if (!br.tags().isEmpty()) a.put("name", br.tags().getFirst());
            containers.events().emit("image", "build", id.toString(), a);
        }
    }
}
