package io.wharf.engine.wire;

import io.wharf.common.Json;
import io.wharf.common.WharfException;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One parsed HTTP/1.1 request. The body is a stream (Content-Length bounded or chunked-decoded), never buffered
 * whole, because build contexts, loads and imports can be gigabytes.
 */
public final class HttpRequest {
    private final String method;
    private final String rawPath;
    private final Map<String, List<String>> query;
    private final Map<String, String> headers;
    private final InputStream body;
    private String apiVersion = ApiVersion.MAX.toString();
    private Map<String, String> params = Map.of();

    public HttpRequest(String method, String target, Map<String, String> headers, InputStream body) {
        this.method = method;
        int q = target.indexOf('?');
        this.rawPath = q < 0 ? target : target.substring(0, q);
        this.query = parseQuery(q < 0 ? "" : target.substring(q + 1));
        this.headers = headers;
        this.body = body;
    }

    static Map<String, List<String>> parseQuery(String qs) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (qs.isEmpty()) return m;
        for (String part : qs.split("&")) {
            if (part.isEmpty()) continue;
            int eq = part.indexOf('=');
            String k = decode(eq < 0 ? part : part.substring(0, eq));
            String v = eq < 0 ? "" : decode(part.substring(eq + 1));
            m.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return m;
    }

    static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw WharfException.invalid("malformed query string: %s", s);
        }
    }

    public String method() { return method; }
    /** The path without the query, still percent-encoded as sent (the CLI does not escape names). */
    public String rawPath() { return rawPath; }
    public Map<String, String> headers() { return headers; }
    public String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }
    public InputStream body() { return body; }
    public String apiVersion() { return apiVersion; }
    void apiVersion(String v) { this.apiVersion = v; }
    public boolean apiAtLeast(String v) { return ApiVersion.parse(apiVersion).compareTo(ApiVersion.parse(v)) >= 0; }
    void params(Map<String, String> p) { this.params = p; }

    /** A path parameter captured by the route ({name}). */
    public String param(String name) { return params.get(name); }

    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    public String query(String name, String dflt) {
        String v = query(name);
        return v == null ? dflt : v;
    }

    public List<String> queryAll(String name) { return query.getOrDefault(name, List.of()); }

    /** Docker booleans: 1/true/True; anything else (0, false, absent) is false. */
    public boolean bool(String name) {
        String v = query(name);
        if (v == null) return false;
        return v.equals("1") || v.equalsIgnoreCase("true");
    }

    public boolean bool(String name, boolean dflt) {
        String v = query(name);
        if (v == null || v.isEmpty()) return dflt;
        return v.equals("1") || v.equalsIgnoreCase("true");
    }

    public Integer intQuery(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw WharfException.invalid("invalid value for %s: %s", name, v);
        }
    }

    public byte[] bodyBytes(int max) throws IOException {
        byte[] b = body.readNBytes(max + 1);
        if (b.length > max) throw new WharfException(io.wharf.common.ErrorKind.TOO_LARGE, "request body too large");
        return b;
    }

    /** Decodes a JSON body; an empty body yields {@code dflt}. Malformed JSON is a 400. */
    public <T> T json(Class<T> type, T dflt) throws IOException {
        byte[] b = bodyBytes(16 << 20);
        if (b.length == 0 || new String(b, StandardCharsets.UTF_8).isBlank()) return dflt;
        return Json.parse(b, type);
    }

    public Filters filters() {
        return Filters.parse(query("filters"));
    }
}
