package io.wharf.build;

import io.wharf.common.Json;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One object of the build's JSON message stream (Docker Engine API, POST /build; the CLI's jsonmessage renders it):
 * {@code {"stream":"Step 1/5 : FROM x\n"}}, {@code {"aux":{"ID":"sha256:…"}}}, pull-style {@code {"status":…}}, and
 * the terminal error {@code {"errorDetail":{"code":N,"message":…},"error":…}} whose code becomes the CLI's exit code.
 */
public sealed interface BuildMessage {
    record Stream(String text) implements BuildMessage {}

    record Aux(String id) implements BuildMessage {}

    record Status(String status, String id) implements BuildMessage {}

    /** {@code code} 0 = none given (the CLI then exits 1). */
    record Error(int code, String message) implements BuildMessage {}

    /** The wire form, one JSON object ending in CRLF as dockerd writes it. */
    default byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        switch (this) {
            case Stream s -> m.put("stream", s.text());
            case Aux a -> m.put("aux", Map.of("ID", a.id()));
            case Status s -> {
                m.put("status", s.status());
                if (s.id() != null) m.put("id", s.id());
            }
            case Error e -> {
                Map<String, Object> d = new LinkedHashMap<>();
                if (e.code() != 0) d.put("code", e.code());
                d.put("message", e.message());
                m.put("errorDetail", d);
                m.put("error", e.message());
            }
        }
        return (Json.string(m) + "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
