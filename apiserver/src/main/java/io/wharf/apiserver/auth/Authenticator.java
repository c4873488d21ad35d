package io.wharf.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Authentication, in kube-apiserver's order: client certificate (already verified against the cluster CA by TLS;
 * CN = user, O = groups), then a bearer token: static token file, ServiceAccount JWT, bootstrap token. Returns empty
 * for anonymous requests (the caller answers 401).
 */
public final class Authenticator {
    private final Map<String, UserInfo> staticTokens;
    private final Map<X509Certificate, UserInfo> certUsers = new java.util.concurrent.ConcurrentHashMap<>();
    private final ServiceAccountTokens saTokens;
    /** (namespace, name) of a Secret -> the Secret, for bootstrap tokens (kube-system/bootstrap-token-<id>) and SA checks. */
    private final BiFunction<String, String, Optional<ObjectNode>> secretLookup;

    public Authenticator(Map<String, UserInfo> staticTokens, ServiceAccountTokens saTokens,
                         BiFunction<String, String, Optional<ObjectNode>> secretLookup) {
        this.staticTokens = Map.copyOf(staticTokens);
        this.saTokens = saTokens;
        this.secretLookup = secretLookup;
    }

    public Optional<UserInfo> authenticate(X509Certificate[] certs, String authorization) {
        // kube-apiserver's order: x509 client certificate first, then bearer tokens.
        if (certs != null && certs.length > 0) {
            // Parsing the subject DN on every request is measurable at 10k req/s: remember it per certificate.
            UserInfo u = certUsers.get(certs[0]);
            if (u == null) {
                if (certUsers.size() > 4096) certUsers.clear();
                u = fromCert(certs[0]);
                certUsers.put(certs[0], u);
            }
            return Optional.of(u);
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return token(authorization.substring(7).trim());
        }
        return Optional.empty();
    }

    public static UserInfo fromCert(X509Certificate cert) {
        String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        String cn = "";
        List<String> groups = new ArrayList<>();
        try {
            for (var rdn : new javax.naming.ldap.LdapName(dn).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) cn = String.valueOf(rdn.getValue());
                else if (rdn.getType().equalsIgnoreCase("O")) groups.add(String.valueOf(rdn.getValue()));
            }
        } catch (javax.naming.InvalidNameException e) {
            cn = dn;
        }
        java.util.Collections.reverse(groups);
        return new UserInfo(cn, "", groups);
    }

    private Optional<UserInfo> token(String token) {
        UserInfo u = constantTimeLookup(token);
        if (u != null) return Optional.of(u);
        if (saTokens != null && token.chars().filter(c -> c == '.').count() == 2) {
            Optional<JsonNode> claims = saTokens.verify(token);
            if (claims.isPresent()) {
                JsonNode k = claims.get().path("kubernetes.io");
                String ns = k.path("namespace").asText();
                String name = k.path("serviceaccount").path("name").asText();
                return Optional.of(new UserInfo("system:serviceaccount:" + ns + ":" + name, k.path("serviceaccount").path("uid").asText(""),
                        List.of("system:serviceaccounts", "system:serviceaccounts:" + ns)));
            }
        }
        // Bootstrap token: "<6 chars>.<16 chars>" checked against kube-system/bootstrap-token-<id>.
        if (token.matches("[a-z0-9]{6}\\.[a-z0-9]{16}") && secretLookup != null) {
            String id = token.substring(0, 6);
            Optional<ObjectNode> s = secretLookup.apply("kube-system", "bootstrap-token-" + id);
            if (s.isPresent()) {
                JsonNode data = s.get().path("data");
                String secret = b64(data.path("token-secret").asText(""));
                String usage = b64(data.path("usage-bootstrap-authentication").asText(""));
                String exp = b64(data.path("expiration").asText(""));
                boolean expired = !exp.isEmpty() && java.time.Instant.parse(exp).isBefore(java.time.Instant.now());
                if (usage.equals("true") && !expired && s.get().path("type").asText().equals("bootstrap.kubernetes.io/token")
                        && MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), token.substring(7).getBytes(StandardCharsets.UTF_8))) {
                    List<String> groups = new ArrayList<>(List.of("system:bootstrappers"));
                    for (String g : b64(data.path("auth-extra-groups").asText("")).split(","))
                        if (!g.isBlank()) groups.add(g.trim());
                    return Optional.of(new UserInfo("system:bootstrap:" + id, "", groups));
                }
            }
        }
        return Optional.empty();
    }

    private UserInfo constantTimeLookup(String token) {
        UserInfo found = null;
        byte[] t = token.getBytes(StandardCharsets.UTF_8);
        for (var e : staticTokens.entrySet())
            if (MessageDigest.isEqual(e.getKey().getBytes(StandardCharsets.UTF_8), t)) found = e.getValue();
        return found;
    }

    private static String b64(String s) {
        try {
            return new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    /**
     * Reads a kube-apiserver --token-auth-file: CSV lines {@code token,user,uid[,"group1,group2"]}; blank lines and
     * lines starting with # are skipped.
     */
    public static Map<String, UserInfo> readTokenFile(Path file) throws IOException {
        Map<String, UserInfo> out = new HashMap<>();
        if (file == null || !Files.exists(file)) return out;
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) continue;
            List<String> f = csv(line);
            if (f.size() < 3) throw new IOException(file + ":" + lineNo + ": expected token,user,uid[,groups]");
            List<String> groups = new ArrayList<>();
            if (f.size() > 3) for (String g : f.get(3).split(",")) if (!g.isBlank()) groups.add(g.trim());
            out.put(f.get(0), new UserInfo(f.get(1), f.get(2), groups));
        }
        return out;
    }

    static List<String> csv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') { if (quoted && i + 1 < line.length() && line.charAt(i + 1) == '"') { cur.append('"'); i++; } else quoted = !quoted; }
            else if (c == ',' && !quoted) { out.add(cur.toString().trim()); cur.setLength(0); }
            else cur.append(c);
        }
        out.add(cur.toString().trim());
        return out;
    }
}
