package io.wharf.engine.wire;

import io.wharf.common.WharfException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routes Docker Engine API requests. Strips and checks the optional /v1.NN version prefix (as dockerd: too new or
 * too old is a 400), then matches "METHOD /a/{x}/b" patterns. A {x*} segment is greedy, because image names in paths
 * are not escaped (/images/127.0.0.1:5000/nginx/push): the fixed segments after it are matched from the end.
 */
public final class Router implements HttpServer.Handler {
    private static final Pattern VERSION = Pattern.compile("^/v(\\d+(?:\\.\\d+)?)(/.*)$");

    private record Route(String method, String[] segs, int greedy, HttpServer.Handler h) {}

    private final List<Route> routes = new ArrayList<>();

    public Router add(String method, String pattern, HttpServer.Handler h) {
        String[] segs = pattern.substring(1).split("/");
        int greedy = -1;
        for (int i = 0; i < segs.length; i++) if (segs[i].endsWith("*}")) greedy = i;
        routes.add(new Route(method, segs, greedy, h));
        return this;
    }

    /** The path without the version prefix, and the API version the client asked for (MAX when absent). */
    public record Target(String path, String version) {}

    public static Target strip(String rawPath) {
        Matcher m = VERSION.matcher(rawPath);
        if (!m.matches()) return new Target(rawPath, ApiVersion.MAX.toString());
        ApiVersion v = ApiVersion.parse(m.group(1));
        if (v.compareTo(ApiVersion.MAX) > 0)
            throw WharfException.invalid("client version %s is too new. Maximum supported API version is %s", m.group(1), ApiVersion.MAX);
        if (v.compareTo(ApiVersion.MIN) < 0)
            throw WharfException.invalid("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", m.group(1), ApiVersion.MIN);
        return new Target(m.group(2), m.group(1));
    }

    @Override
    public void handle(HttpRequest req, HttpResponse resp) throws Exception {
        Target t = strip(req.rawPath());
        req.apiVersion(t.version());
        String[] parts = t.path().length() <= 1 ? new String[]{""} : t.path().substring(1).split("/", -1);
        if (parts.length > 1 && parts[parts.length - 1].isEmpty()) parts = java.util.Arrays.copyOf(parts, parts.length - 1);
        boolean pathMatched = false;
        for (Route r : routes) {
            Map<String, String> params = match(r, parts);
            if (params == null) continue;
            pathMatched = true;
            if (!r.method.equals(req.method()) && !(r.method.equals("GET") && req.method().equals("HEAD") && !hasHead(parts))) continue;
            req.params(params);
            r.h.handle(req, resp);
            return;
        }
        if (pathMatched) {
            resp.send(405, "application/json", io.wharf.common.Json.bytes(Map.of("message", "method not allowed")));
            return;
        }
        throw WharfException.notFound("page not found");
    }

    private boolean hasHead(String[] parts) {
        for (Route r : routes) if (r.method.equals("HEAD") && match(r, parts) != null) return true;
        return false;
    }

    static Map<String, String> match(Route r, String[] parts) {
        String[] s = r.segs;
        Map<String, String> params = new HashMap<>();
        if (r.greedy < 0) {
            if (s.length != parts.length) return null;
            for (int i = 0; i < s.length; i++) if (!seg(s[i], parts[i], params)) return null;
            return params;
        }
        int before = r.greedy, after = s.length - r.greedy - 1;
        if (parts.length < before + after + 1) return null;
        for (int i = 0; i < before; i++) if (!seg(s[i], parts[i], params)) return null;
        for (int i = 0; i < after; i++) if (!seg(s[s.length - 1 - i], parts[parts.length - 1 - i], params)) return null;
        StringBuilder mid = new StringBuilder();
        for (int i = before; i < parts.length - after; i++) {
            if (i > before) mid.append('/');
            mid.append(parts[i]);
        }
        String name = s[r.greedy].substring(1, s[r.greedy].length() - 2);
        String v = pctDecode(mid.toString());
        if (v.isEmpty()) return null;
        params.put(name, v);
        return params;
    }

    private static boolean seg(String pat, String part, Map<String, String> params) {
        if (pat.startsWith("{") && pat.endsWith("}")) {
            if (part.isEmpty()) return false;
            params.put(pat.substring(1, pat.length() - 1), pctDecode(part));
            return true;
        }
        return pat.equals(part);
    }

    /** Percent-decoding for paths ('+' stays '+', unlike form decoding). */
    static String pctDecode(String s) {
        if (s.indexOf('%') < 0) return s;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() + 0 && i + 2 <= s.length() - 1) {
                try {
                    b.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                    continue;
                } catch (NumberFormatException ignored) {
                }
            }
            byte[] cb = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
            b.write(cb, 0, cb.length);
        }
        return b.toString(StandardCharsets.UTF_8);
    }
}
