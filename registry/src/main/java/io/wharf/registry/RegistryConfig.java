package io.wharf.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link RegistryServer} runs. Defaults: {@code /var/lib/wharf/registry}, {@code 127.0.0.1:5000}, plain HTTP,
 * no authentication (loopback only, as docker's insecure-by-default loopback registries expect).
 *
 * @param root          storage root (blobs, repositories, uploads)
 * @param host          listen address
 * @param port          listen port; 0 picks a free one (see {@link RegistryServer#port()})
 * @param tlsCert       PEM certificate chain; with {@code tlsKey} the server speaks HTTPS only
 * @param tlsKey        PEM private key (PKCS#8 or PKCS#1)
 * @param htpasswd      htpasswd file of bcrypt entries; enables HTTP basic authentication
 * @param token         Docker token authentication; takes precedence over htpasswd
 * @param gcGracePeriod unreferenced blobs younger than this survive garbage collection
 * @param uploadMaxAge  upload sessions idle longer than this are purged by garbage collection
 */
public record RegistryConfig(Path root, String host, int port, Path tlsCert, Path tlsKey, Path htpasswd,
                             TokenAuth token, Duration gcGracePeriod, Duration uploadMaxAge) {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/wharf/registry");

    /**
     * The Docker token flow ("Token Authentication Specification"): clients get a JWT from {@code realm} and
     * present it as a Bearer token; the server checks it against {@code publicKey} (a PEM public key or
     * certificate), {@code issuer} and {@code service} (the audience).
     */
    public record TokenAuth(String realm, String service, String issuer, Path publicKey) {
        public TokenAuth {
            Objects.requireNonNull(realm, "realm");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(publicKey, "publicKey");
        }
    }

    public RegistryConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("invalid port " + port);
        if ((tlsCert == null) != (tlsKey == null)) throw new IllegalArgumentException("TLS needs both a certificate and a key");
        if (gcGracePeriod == null) gcGracePeriod = Duration.ofHours(1);
        if (uploadMaxAge == null) uploadMaxAge = Duration.ofDays(7);
        if (gcGracePeriod.isNegative() || uploadMaxAge.isNegative()) throw new IllegalArgumentException("negative duration");
    }

    public static RegistryConfig defaults() {
        return new RegistryConfig(DEFAULT_ROOT, "127.0.0.1", 5000, null, null, null, null, null, null);
    }

    public RegistryConfig withRoot(Path r) {
        return new RegistryConfig(r, host, port, tlsCert, tlsKey, htpasswd, token, gcGracePeriod, uploadMaxAge);
    }

    public RegistryConfig withListen(String h, int p) {
        return new RegistryConfig(root, h, p, tlsCert, tlsKey, htpasswd, token, gcGracePeriod, uploadMaxAge);
    }

    public RegistryConfig withTls(Path cert, Path key) {
        return new RegistryConfig(root, host, port, cert, key, htpasswd, token, gcGracePeriod, uploadMaxAge);
    }

    public RegistryConfig withHtpasswd(Path file) {
        return new RegistryConfig(root, host, port, tlsCert, tlsKey, file, token, gcGracePeriod, uploadMaxAge);
    }

    public RegistryConfig withToken(TokenAuth t) {
        return new RegistryConfig(root, host, port, tlsCert, tlsKey, htpasswd, t, gcGracePeriod, uploadMaxAge);
    }

    public RegistryConfig withGc(Duration grace, Duration uploadAge) {
        return new RegistryConfig(root, host, port, tlsCert, tlsKey, htpasswd, token, grace, uploadAge);
    }

    public boolean tls() {
        return tlsCert != null;
    }
}
