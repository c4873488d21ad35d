package io.wharf.engine.distribution;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.common.Json;
import io.wharf.common.WharfException;
import io.wharf.registry.client.RegistryClient;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Docker's {@code AuthConfig} (api/types/registry): the body of {@code POST /auth} and, base64url-encoded, the
 * {@code X-Registry-Auth} header of pull and push. Every field may be empty; the CLI sends {@code e30=} ({@code {}})
 * when it has no credentials.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AuthConfig(@JsonProperty("username") String username, @JsonProperty("password") String password,
                         @JsonProperty("auth") String auth, @JsonProperty("email") String email,
                         @JsonProperty("serveraddress") String serverAddress,
                         @JsonProperty("identitytoken") String identityToken,
                         @JsonProperty("registrytoken") String registryToken) {
    public static final AuthConfig EMPTY = new AuthConfig(null, null, null, null, null, null, null);

    public AuthConfig {
        username = nz(username);
        password = nz(password);
        auth = nz(auth);
        email = nz(email);
        serverAddress = nz(serverAddress);
        identityToken = nz(identityToken);
        registryToken = nz(registryToken);
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /**
     * Decodes an {@code X-Registry-Auth} header as moby's {@code DecodeAuthConfig} does: base64url JSON; an absent or
     * empty header is no credentials. Standard base64 and missing padding are accepted too (older clients).
     */
    public static AuthConfig decodeHeader(String header) {
        if (header == null || header.isBlank()) return EMPTY;
        String h = header.trim().replace('+', '-').replace('/', '_');
        while (h.endsWith("=")) h = h.substring(0, h.length() - 1);
        byte[] json;
        try {
            json = Base64.getUrlDecoder().decode(h);
        } catch (IllegalArgumentException e) {
            throw WharfException.invalid("invalid X-Registry-Auth header: %s", e.getMessage());
        }
        try {
            AuthConfig a = Json.MAPPER.readValue(json, AuthConfig.class);
            return a == null ? EMPTY : a;
        } catch (java.io.IOException e) {
            throw WharfException.invalid("invalid X-Registry-Auth header: invalid JSON");
        }
    }

    /** The body of {@code POST /auth}. */
    public static AuthConfig parseBody(byte[] body) {
        if (body.length == 0) return EMPTY;
        try {
            AuthConfig a = Json.MAPPER.readValue(body, AuthConfig.class);
            return a == null ? EMPTY : a;
        } catch (java.io.IOException e) {
            throw WharfException.invalid("invalid JSON in login request");
        }
    }

    /** The header value a client would send (tests). */
    public String encodeHeader() {
        return Base64.getUrlEncoder().encodeToString(Json.bytes(this));
    }

    /**
     * The credentials to present to a registry: an identity token (as username {@code <token>}, the way the
     * distribution token flow takes refresh tokens), else username and password, else the {@code auth} field
     * ({@code base64(user:password)}).
     */
    public Optional<RegistryClient.Credentials> credentials() {
        if (!identityToken.isEmpty()) return Optional.of(new RegistryClient.Credentials("<token>", identityToken));
        if (!username.isEmpty()) return Optional.of(new RegistryClient.Credentials(username, password));
        if (!auth.isEmpty()) {
            String s;
            try {
                s = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw WharfException.invalid("invalid auth configuration: auth is not base64");
            }
            int c = s.indexOf(':');
            if (c <= 0) throw WharfException.invalid("invalid auth configuration file");
            return Optional.of(new RegistryClient.Credentials(s.substring(0, c), s.substring(c + 1)));
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        // never log secrets
        return "AuthConfig[username=" + username + ", serveraddress=" + serverAddress + "]";
    }
}
