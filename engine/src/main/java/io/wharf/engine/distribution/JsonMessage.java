package io.wharf.engine.distribution;

import io.wharf.common.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One message of a Docker JSON progress stream (moby's {@code jsonmessage.JSONMessage}), in dockerd's field order:
 * {@code status}, {@code progressDetail}, {@code id}, {@code aux}, {@code errorDetail}/{@code error}. The CLI renders
 * {@code id: status}; a non-empty {@code progressDetail} draws a bar on a TTY and is skipped otherwise; only
 * {@code errorDetail} makes it fail.
 *
 * @param progress null for none; {@link Progress#EMPTY} for dockerd's {@code "progressDetail":{}}
 */
public record JsonMessage(String status, Progress progress, String id, Map<String, Object> aux, String error) {
    /** {@code progressDetail}: bytes done of total (total 0 when unknown). */
    public record Progress(long current, long total) {
        public static final Progress EMPTY = new Progress(-1, -1);

        public Progress {
            if (current < -1 || total < -1) throw new IllegalArgumentException("negative progress");
        }
    }

    public static JsonMessage status(String status) {
        return new JsonMessage(status, null, null, null, null);
    }

    /** A per-layer status line ({@code id: status}) with dockerd's empty progressDetail. */
    public static JsonMessage layer(String id, String status) {
        return new JsonMessage(status, Progress.EMPTY, id, null, null);
    }

    public static JsonMessage progress(String id, String status, long current, long total) {
        return new JsonMessage(status, new Progress(current, Math.max(total, 0)), id, null, null);
    }

    public static JsonMessage aux(Map<String, Object> aux) {
        return new JsonMessage(null, Progress.EMPTY, null, aux, null);
    }

    public static JsonMessage error(String message) {
        return new JsonMessage(null, null, null, null, message);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (status != null) m.put("status", status);
        if (progress != null) {
            Map<String, Object> p = new LinkedHashMap<>();
            if (progress.current() >= 0) p.put("current", progress.current());
            if (progress.total() > 0) p.put("total", progress.total());
            m.put("progressDetail", p);
        }
        if (id != null) m.put("id", id);
        if (aux != null) m.put("aux", aux);
        if (error != null) {
            m.put("errorDetail", Map.of("message", error));
            m.put("error", error);
        }
        return m;
    }

    /** The wire form: one JSON object ended by CRLF, as dockerd writes it. */
    public byte[] toBytes() {
        return (Json.string(toMap()) + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** How the CLI prints it without a TTY ({@code id: status}), or null when skipped there (progress updates). */
    public String render() {
        if (error != null) return error;
        if (progress != null && progress != Progress.EMPTY && (progress.current() >= 0 || progress.total() > 0)) return null;
        if (status == null) return null;
        return id == null ? status : id + ": " + status;
    }
}
