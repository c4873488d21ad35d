package io.wharf.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.wharf.common.Json;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Who may do what: nobody asked (default), htpasswd basic auth, or Docker bearer tokens. */
sealed interface Authenticator {
    /** An access scope as the token spec writes it: {@code repository:library/busybox:pull,push}. */
    record Scope(String type, String name, List<String> actions) {
        @Override
        public String toString() {
            return type + ":" + name + ":" + String.join(",", actions);
        }
    }

    /** Why a request is refused and the challenge that tells the client how to authenticate. */
    record Denial(ErrorCode code, String message, String challenge) {}

    /** Null when the request may proceed. */
    Denial check(String authorization, List<Scope> scopes);

    static Authenticator of(RegistryConfig cfg, Clock clock) throws IOException {
        if (cfg.token() != null) return new Token(cfg.token(), clock);
        if (cfg.htpasswd() != null) return new Htpasswd(cfg.htpasswd());
        return new None();
    }

    record None() implements Authenticator {
        @Override
        public Denial check(String authorization, List<Scope> scopes) {
            return null;
        }
    }

    /** HTTP basic against an htpasswd file of bcrypt entries (as distribution's htpasswd auth accepts). */
    final class Htpasswd implements Authenticator {
        private static final String CHALLENGE = "Basic realm=\"Wharf Registry\"";
        private final Map<String, String> entries = new HashMap<>();
        /** bcrypt costs tens of milliseconds; a verified user:password pair is remembered by its hash. */
        private final Set<String> verified = ConcurrentHashMap.newKeySet();

        Htpasswd(Path file) throws IOException {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                line = line.trim();
                int i = line.indexOf(':');
                if (line.isEmpty() || line.startsWith("#") || i <= 0) continue;
                String hash = line.substring(i + 1);
                // only bcrypt entries, as distribution: MD5/SHA1/crypt entries are not trustworthy
                if (hash.startsWith("$2a$") || hash.startsWith("$2b$") || hash.startsWith("$2y$")) entries.put(line.substring(0, i), hash);
            }
        }

        @Override
        public Denial check(String authorization, List<Scope> scopes) {
            if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
                return new Denial(ErrorCode.UNAUTHORIZED, "authentication required", CHALLENGE);
            }
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                return new Denial(ErrorCode.UNAUTHORIZED, "malformed basic credentials", CHALLENGE);
            }
            int i = decoded.indexOf(':');
            if (i < 0) return new Denial(ErrorCode.UNAUTHORIZED, "malformed basic credentials", CHALLENGE);
            String user = decoded.substring(0, i), password = decoded.substring(i + 1);
            String hash = entries.get(user);
            if (hash == null) return new Denial(ErrorCode.UNAUTHORIZED, "invalid username or password", CHALLENGE);
            String key = HexFormat.of().formatHex(sha256(user + "\0" + password + "\0" + hash));
            if (verified.contains(key)) return null;
            boolean ok;
            try {
                // OpenBSDBCrypt knows 2a/2b/2y; htpasswd writes 2y
                ok = OpenBSDBCrypt.checkPassword(hash, password.toCharArray());
            } catch (RuntimeException e) {
                ok = false;
            }
            if (!ok) return new Denial(ErrorCode.UNAUTHORIZED, "invalid username or password", CHALLENGE);
            verified.add(key);
            return null;
        }
    }

    /**
     * Docker's token authentication: a JWT signed by the token service (RS256/384/512 or ES256/384/512), whose
     * {@code iss}, {@code aud}, {@code exp}/{@code nbf} and {@code access} claims must cover the request.
     */
    final class Token implements Authenticator {
        private static final long LEEWAY_SECONDS = 60;
        private final RegistryConfig.TokenAuth cfg;
        private final PublicKey key;
        private final Clock clock;

        Token(RegistryConfig.TokenAuth cfg, Clock clock) throws IOException {
            this.cfg = cfg;
            this.clock = clock;
            this.key = readPublicKey(cfg.publicKey());
        }

        static PublicKey readPublicKey(Path pem) throws IOException {
            String text = Files.readString(pem, StandardCharsets.US_ASCII);
            try {
                if (text.contains("BEGIN CERTIFICATE")) {
                    return CertificateFactory.getInstance("X.509")
                            .generateCertificate(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII))).getPublicKey();
                }
                String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
                byte[] der = Base64.getDecoder().decode(b64);
                for (String alg : List.of("RSA", "EC")) {
                    try {
                        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
                    } catch (java.security.spec.InvalidKeySpecException ignored) {
                        // try the next algorithm
                    }
                }
                throw new IOException("not an RSA or EC public key: " + pem);
            } catch (java.security.GeneralSecurityException | IllegalArgumentException e) {
                throw new IOException("cannot read token public key " + pem + ": " + e.getMessage(), e);
            }
        }

        private String challenge(List<Scope> scopes, String error) {
            StringBuilder sb = new StringBuilder("Bearer realm=\"").append(cfg.realm()).append("\",service=\"").append(cfg.service()).append('"');
            if (!scopes.isEmpty()) {
                sb.append(",scope=\"").append(String.join(" ", scopes.stream().map(Scope::toString).toList())).append('"');
            }
            if (error != null) sb.append(",error=\"").append(error).append('"');
            return sb.toString();
        }

        @Override
        public Denial check(String authorization, List<Scope> scopes) {
            if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return new Denial(ErrorCode.UNAUTHORIZED, "authentication required", challenge(scopes, null));
            }
            JsonNode claims = verify(authorization.substring(7).trim());
            if (claims == null) return new Denial(ErrorCode.UNAUTHORIZED, "invalid token", challenge(scopes, "invalid_token"));
            for (Scope s : scopes) {
                if (!granted(claims.path("access"), s)) {
                    return new Denial(ErrorCode.DENIED, "insufficient scope: " + s, challenge(scopes, "insufficient_scope"));
                }
            }
            return null;
        }

        private static boolean granted(JsonNode access, Scope want) {
            for (JsonNode a : access) {
                if (!want.type().equals(a.path("type").asText()) || !want.name().equals(a.path("name").asText())) continue;
                List<String> have = new java.util.ArrayList<>();
                a.path("actions").forEach(x -> have.add(x.asText()));
                if (have.contains("*") || have.containsAll(want.actions())) return true;
            }
            return false;
        }

        /** The claims of a valid token, or null. */
        JsonNode verify(String jwt) {
            String[] parts = jwt.split("\\.");
            if (parts.length != 3) return null;
            try {
                Base64.Decoder dec = Base64.getUrlDecoder();
                JsonNode header = Json.MAPPER.readTree(dec.decode(parts[0]));
                String alg = switch (header.path("alg").asText()) {
                    case "RS256" -> "SHA256withRSA";
                    case "RS384" -> "SHA384withRSA";
                    case "RS512" -> "SHA512withRSA";
                    // JWS carries ECDSA signatures as R||S, which the JDK calls P1363 format
                    case "ES256" -> "SHA256withECDSAinP1363Format";
                    case "ES384" -> "SHA384withECDSAinP1363Format";
                    case "ES512" -> "SHA512withECDSAinP1363Format";
                    default -> null;
                };
                if (alg == null) return null;
                Signature sig = Signature.getInstance(alg);
                sig.initVerify(key);
                sig.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                if (!sig.verify(dec.decode(parts[2]))) return null;
                JsonNode claims = Json.MAPPER.readTree(dec.decode(parts[1]));
                if (!cfg.issuer().equals(claims.path("iss").asText())) return null;
                JsonNode aud = claims.path("aud");
                boolean audOk = aud.isArray()
                        ? java.util.stream.StreamSupport.stream(aud.spliterator(), false).anyMatch(x -> cfg.service().equals(x.asText()))
                        : cfg.service().equals(aud.asText());
                if (!audOk) return null;
                long now = clock.instant().getEpochSecond();
                if (!claims.has("exp") || claims.path("exp").asLong() + LEEWAY_SECONDS < now) return null;
                if (claims.has("nbf") && claims.path("nbf").asLong() - LEEWAY_SECONDS > now) return null;
                return claims;
            } catch (Exception e) {
                return null;
            }
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
