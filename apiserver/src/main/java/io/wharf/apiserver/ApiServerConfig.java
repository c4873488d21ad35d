package io.wharf.apiserver;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of the API server ({@code wharf server}, and the control plane of {@code wharf up}).
 *
 * @param bindAddress      address to listen on (default 127.0.0.1)
 * @param port             HTTPS port (default 6443; 0 = pick a free port, for tests)
 * @param dataDir          where the SQLite store lives (default /var/lib/wharf/store)
 * @param pkiDir           CA, serving/admin certificates, ServiceAccount key (default /var/lib/wharf/pki)
 * @param kubeconfigPath   the admin kubeconfig written at start (default /etc/wharf/admin.conf)
 * @param store            "sqlite" (embedded, default) or "etcd"
 * @param etcdEndpoints    etcd client URLs when store = etcd, e.g. http://127.0.0.1:2379
 * @param tokenFile        kube-apiserver style static token CSV (token,user,uid,"groups"), or null
 * @param encryptionConfig a Kubernetes EncryptionConfiguration (aesgcm/identity) for Secrets at rest, or null
 * @param kubernetesVersion the version reported at /version, e.g. "1.31.0" (minor must be 29..33: kubectl's
 *                          dispatcher on this machine picks its binary by it; 1.31 keeps kubectl on JSON bodies)
 * @param extraSans        more names/IPs for the serving certificate
 */
public record ApiServerConfig(String bindAddress, int port, Path dataDir, Path pkiDir, Path kubeconfigPath, String store,
                              List<String> etcdEndpoints, Path tokenFile, Path encryptionConfig, String kubernetesVersion,
                              List<String> extraSans) {
    public ApiServerConfig {
        bindAddress = bindAddress == null || bindAddress.isBlank() ? "127.0.0.1" : bindAddress;
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(pkiDir, "pkiDir");
        Objects.requireNonNull(kubeconfigPath, "kubeconfigPath");
        store = store == null || store.isBlank() ? "sqlite" : store;
        if (!store.equals("sqlite") && !store.equals("etcd")) throw new IllegalArgumentException("store must be sqlite or etcd: " + store);
        etcdEndpoints = List.copyOf(etcdEndpoints == null ? List.of() : etcdEndpoints);
        if (store.equals("etcd") && etcdEndpoints.isEmpty()) throw new IllegalArgumentException("store etcd needs at least one endpoint");
        kubernetesVersion = kubernetesVersion == null || kubernetesVersion.isBlank() ? "1.31.0" : kubernetesVersion.replaceFirst("^v", "");
        if (!kubernetesVersion.matches("1\\.(29|3[0-3])\\.\\d+")) throw new IllegalArgumentException("kubernetesVersion must be 1.29.x .. 1.33.x: " + kubernetesVersion);
        extraSans = List.copyOf(extraSans == null ? List.of() : extraSans);
    }

    /** The defaults of a real installation: 127.0.0.1:6443, /var/lib/wharf/{store,pki}, /etc/wharf/admin.conf. */
    public static ApiServerConfig defaults() {
        return new ApiServerConfig("127.0.0.1", 6443, Path.of("/var/lib/wharf/store"), Path.of("/var/lib/wharf/pki"),
                Path.of("/etc/wharf/admin.conf"), "sqlite", List.of(), null, null, "1.31.0", List.of());
    }

    /** Everything under one root (tests): root/store, root/pki, root/admin.conf, port 0. */
    public static ApiServerConfig underRoot(Path root) {
        return new ApiServerConfig("127.0.0.1", 0, root.resolve("store"), root.resolve("pki"), root.resolve("admin.conf"),
                "sqlite", List.of(), null, null, "1.31.0", List.of());
    }

    public ApiServerConfig withPort(int p) {
        return new ApiServerConfig(bindAddress, p, dataDir, pkiDir, kubeconfigPath, store, etcdEndpoints, tokenFile, encryptionConfig, kubernetesVersion, extraSans);
    }

    public ApiServerConfig withTokenFile(Path f) {
        return new ApiServerConfig(bindAddress, port, dataDir, pkiDir, kubeconfigPath, store, etcdEndpoints, f, encryptionConfig, kubernetesVersion, extraSans);
    }

    public ApiServerConfig withEncryptionConfig(Path f) {
        return new ApiServerConfig(bindAddress, port, dataDir, pkiDir, kubeconfigPath, store, etcdEndpoints, tokenFile, f, kubernetesVersion, extraSans);
    }

    public ApiServerConfig withKubernetesVersion(String v) {
        return new ApiServerConfig(bindAddress, port, dataDir, pkiDir, kubeconfigPath, store, etcdEndpoints, tokenFile, encryptionConfig, v, extraSans);
    }

    public ApiServerConfig withEtcd(List<String> endpoints) {
        return new ApiServerConfig(bindAddress, port, dataDir, pkiDir, kubeconfigPath, "etcd", endpoints, tokenFile, encryptionConfig, kubernetesVersion, extraSans);
    }
}
