package io.wharf.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wharf.common.Json;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * ServiceAccount tokens: JWTs signed with the cluster's sa.key (ES256 for an EC key, RS256 for an RSA one), with the claims kube-apiserver issues
 * (iss, sub=system:serviceaccount:NS:NAME, aud, iat, nbf, exp, kubernetes.io{namespace, serviceaccount{name,uid}}).
 */
public final class ServiceAccountTokens {
    public static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder D64 = Base64.getUrlDecoder();

    private final KeyPair key;
    /** The JWS "alg" and the JCA signature that implements it (ES256 signatures are R||S, RFC 7518 section 3.4). */
    private final String alg;
    private final String signature;

    public ServiceAccountTokens(KeyPair key) {
        this.key = key;
        boolean ec = "EC".equals(key.getPublic().getAlgorithm());
        this.alg = ec ? "ES256" : "RS256";
        this.signature = ec ? "SHA256withECDSAinP1363Format" : "SHA256withRSA";
    }

    public String issue(String namespace, String name, String uid, List<String> audiences, long expirationSeconds) {
        long now = Instant.now().getEpochSecond();
        ObjectNode header = Json.MAPPER.createObjectNode().put("alg", alg).put("typ", "JWT");
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.put("iss", ISSUER);
        claims.put("sub", "system:serviceaccount:" + namespace + ":" + name);
        var aud = claims.putArray("aud");
        (audiences == null || audiences.isEmpty() ? List.of(ISSUER) : audiences).forEach(aud::add);
        claims.put("iat", now);
        claims.put("nbf", now);
        claims.put("exp", now + expirationSeconds);
        ObjectNode k = claims.putObject("kubernetes.io");
        k.put("namespace", namespace);
        k.putObject("serviceaccount").put("name", name).put("uid", uid == null ? "" : uid);
        String signingInput = B64.encodeToString(Json.bytes(header)) + "." + B64.encodeToString(Json.bytes(claims));
        try {
            Signature s = Signature.getInstance(signature);
            s.initSign(key.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a service account token", e);
        }
    }

    /** The claims of a valid, unexpired token signed by this key; empty otherwise. */
    public Optional<JsonNode> verify(String token) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) return Optional.empty();
        try {
            JsonNode header = Json.MAPPER.readTree(D64.decode(parts[0]));
            if (!alg.equals(header.path("alg").asText())) return Optional.empty();
            Signature s = Signature.getInstance(signature);
            s.initVerify(key.getPublic());
            s.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!s.verify(D64.decode(parts[2]))) return Optional.empty();
            JsonNode claims = Json.MAPPER.readTree(D64.decode(parts[1]));
            if (!ISSUER.equals(claims.path("iss").asText())) return Optional.empty();
            long exp = claims.path("exp").asLong(0);
            if (exp != 0 && exp < Instant.now().getEpochSecond()) return Optional.empty();
            return Optional.of(claims);
        } catch (Exception e) {
            return Optional.empty();
        }
    }
}
