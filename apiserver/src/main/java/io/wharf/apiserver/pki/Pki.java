package io.wharf.apiserver.pki;


import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.wharf.common.AtomicFiles;

/**
 * The cluster's PKI in one directory (default /var/lib/wharf/pki), created on first start and reused afterwards,
 * with the file names kubeadm uses:
 * <ul>
 *   <li>{@code ca.crt}/{@code ca.key}: the cluster CA (EC P-256, 10 years), signs the serving and client certificates</li>
 *   <li>{@code apiserver.crt}/{@code apiserver.key}: the serving certificate, SANs 127.0.0.1, ::1, localhost, the host's
 *       addresses, kubernetes, kubernetes.default, kubernetes.default.svc(.cluster.local), 10.96.0.1 (re-issued when a
 *       wanted SAN is missing)</li>
 *   <li>{@code admin.crt}/{@code admin.key}: CN=admin, O=system:masters</li>
 *   <li>{@code sa.key}/{@code sa.pub}: the key pair that signs ServiceAccount tokens: EC P-256 (ES256; RSA
 *       2048 / RS256 in roots created before)</li>
 * </ul>
 * EC keys keep the first start fast (RSA generation costs ~0.1-1 s a key on this machine). Certificates are made with
 * Bouncy Castle ({@link Certs}), on a first start or a re-issue only; everything is read back with the JDK.
 */
public final class Pki {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final X509Certificate caCert;
    private final PrivateKey caKey;
    private final X509Certificate servingCert;
    private final PrivateKey servingKey;
    private final X509Certificate adminCert;
    private final PrivateKey adminKey;
    private final String adminKeyPem;
    private final KeyPair serviceAccountKey;

    private Pki(Path dir, X509Certificate caCert, PrivateKey caKey, X509Certificate servingCert, PrivateKey servingKey,
                X509Certificate adminCert, PrivateKey adminKey, String adminKeyPem, KeyPair serviceAccountKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
        this.servingCert = servingCert;
        this.servingKey = servingKey;
        this.adminCert = adminCert;
        this.adminKey = adminKey;
        this.adminKeyPem = adminKeyPem;
        this.serviceAccountKey = serviceAccountKey;
    }

    public Path dir() { return dir; }
    public X509Certificate caCert() { return caCert; }
    public PrivateKey caKey() { return caKey; }
    public X509Certificate servingCert() { return servingCert; }
    public PrivateKey servingKey() { return servingKey; }
    public X509Certificate adminCert() { return adminCert; }
    public PrivateKey adminKey() { return adminKey; }
    public KeyPair serviceAccountKey() { return serviceAccountKey; }

    /** Loads the PKI in {@code dir}, creating what is missing. {@code extraSans}: more DNS names / IPs for the serving cert. */
    public static synchronized Pki loadOrCreate(Path dir, List<String> extraSans) throws IOException {
        try {
            Files.createDirectories(dir);
            KeyPair ca;
            X509Certificate caCert;
            if (Files.exists(dir.resolve("ca.crt")) && Files.exists(dir.resolve("ca.key"))) {
                caCert = readCert(dir.resolve("ca.crt"));
                ca = new KeyPair(caCert.getPublicKey(), readKey(dir.resolve("ca.key")));
            } else {
                ca = ecKey();
                caCert = Certs.ca("wharf-ca", ca, Duration.ofDays(3650));
                writeKey(dir.resolve("ca.key"), ca.getPrivate());
                AtomicFiles.write(dir.resolve("ca.crt"), pem(caCert).getBytes(StandardCharsets.US_ASCII));
            }
            X509Certificate serving = null;
            PrivateKey servingKey = null;
            if (Files.exists(dir.resolve("apiserver.crt")) && Files.exists(dir.resolve("apiserver.key"))) {
                serving = readCert(dir.resolve("apiserver.crt"));
                servingKey = readKey(dir.resolve("apiserver.key"));
                // IP literals compared in one spelling ("::1" is stored as 0:0:0:0:0:0:0:1; comparing raw strings re-signed
                // the certificate at every start).
                List<String> want = servingSans(extraSans, false).stream().map(x -> isIp(x) ? normIp(x) : x).toList();
                if (!sansOf(serving).containsAll(want) || serving.getNotAfter().before(new Date())) serving = null;
            }
            if (serving == null) {
                List<String> sans = servingSans(extraSans, true);
                KeyPair kp = ecKey();
                serving = Certs.serving("kube-apiserver", kp.getPublic(), caCert, ca.getPrivate(), Duration.ofDays(3650), sans);
                servingKey = kp.getPrivate();
                writeKey(dir.resolve("apiserver.key"), servingKey);
                AtomicFiles.write(dir.resolve("apiserver.crt"), pem(serving).getBytes(StandardCharsets.US_ASCII));
            }
            X509Certificate admin;
            PrivateKey adminKey;
            String adminKeyPem;
            if (Files.exists(dir.resolve("admin.crt")) && Files.exists(dir.resolve("admin.key"))) {
                admin = readCert(dir.resolve("admin.crt"));
                adminKeyPem = Files.readString(dir.resolve("admin.key"));
                adminKey = readKey(adminKeyPem, dir.resolve("admin.key"));
            } else {
                KeyPair kp = ecKey();
                admin = issueClientCert(caCert, ca.getPrivate(), kp.getPublic(), "admin", List.of("system:masters"), Duration.ofDays(3650));
                adminKey = kp.getPrivate();
                adminKeyPem = writeKey(dir.resolve("admin.key"), adminKey);
                AtomicFiles.write(dir.resolve("admin.crt"), pem(admin).getBytes(StandardCharsets.US_ASCII));
            }
            KeyPair sa;
            if (Files.exists(dir.resolve("sa.key"))) {
                PrivateKey k = readKey(dir.resolve("sa.key"));
                PublicKey pub = readPublicKey(dir.resolve("sa.pub"));
                sa = new KeyPair(pub, k);
            } else {
                // EC like the others: an RSA 2048 key took 0.3-0.7 s of a cold start here (its prime search runs before the
                // JIT has compiled BigInteger). Roots made before this keep their RSA key; ServiceAccountTokens signs with either.
                sa = ecKey();
                writeKey(dir.resolve("sa.key"), sa.getPrivate());
                AtomicFiles.write(dir.resolve("sa.pub"), pemBlock("PUBLIC KEY", sa.getPublic().getEncoded()).getBytes(StandardCharsets.US_ASCII));
            }
            return new Pki(dir, caCert, ca.getPrivate(), serving, servingKey, admin, adminKey, adminKeyPem, sa);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot create the PKI in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Issues a client certificate: CN = user, O = groups (how Kubernetes reads client certs). */
    public static X509Certificate issueClientCert(X509Certificate caCert, PrivateKey caKey, PublicKey key, String user,
                                                  List<String> groups, Duration validity) throws GeneralSecurityException {
        return Certs.client(user, groups, key, caCert, caKey, validity);
    }

    /** A client certificate for {@code user}/{@code groups} signed by this CA, with a fresh key (for tests and `wharf token`). */
    public KeyPair newClientKey() throws GeneralSecurityException { return ecKey(); }

    public X509Certificate issueClientCert(PublicKey key, String user, List<String> groups) throws GeneralSecurityException {
        return issueClientCert(caCert, caKey, key, user, groups, Duration.ofDays(365));
    }

    static List<String> servingSans(List<String> extra) {
        return servingSans(extra, true);
    }

    /**
     * The serving certificate's SANs. With {@code withBridges} false, the addresses of bridges and veths are left out:
     * container networks come and go (every `docker network create`, every test), and a serving certificate that
     * lacked only such an address used to be re-signed at every start. New certificates still name them all.
     */
    static List<String> servingSans(List<String> extra, boolean withBridges) {
        Set<String> s = new LinkedHashSet<>(List.of("127.0.0.1", "::1", "localhost", "kubernetes", "kubernetes.default",
                "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1"));
        try {
            s.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException ignored) { /* no resolvable host name */ }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!withBridges && isContainerLink(ni.getName())) continue;
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) s.add(stripZone(a.getHostAddress()));
                }
            }
        } catch (IOException ignored) { /* no interfaces listed */ }
        if (extra != null) s.addAll(extra);
        return List.copyOf(s);
    }

    /** A bridge (it has /sys/class/net/NAME/bridge) or a veth: links container networks create and remove. */
    private static boolean isContainerLink(String name) {
        return name.startsWith("veth") || Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
    }

    private static String stripZone(String ip) {
        int pct = ip.indexOf('%');
        return pct < 0 ? ip : ip.substring(0, pct);
    }

    private static Set<String> sansOf(X509Certificate c) {
        Set<String> out = new LinkedHashSet<>();
        try {
            if (c.getSubjectAlternativeNames() != null)
                for (List<?> e : c.getSubjectAlternativeNames()) {
                    String v = String.valueOf(e.get(1));
                    if ((Integer) e.get(0) == 7) v = normIp(v); // GeneralName type 7: iPAddress (RFC 5280 4.2.1.6)
                    out.add(v);
                }
        } catch (java.security.cert.CertificateParsingException ignored) { /* no SANs */ }
        return out;
    }

    private static String normIp(String ip) {
        try {
            return stripZone(InetAddress.getByName(ip).getHostAddress());
        } catch (IOException e) {
            return ip;
        }
    }

    private static boolean isIp(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    private static KeyPair ecKey() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    // ---- PEM ----
    // Read with the JDK alone, so that a restart loads no Bouncy Castle class: its jars are signed, so the JDK would
    // verify them and keep every entry's manifest digest (~4.6 MB of heap), and the AOT cache cannot hold classes of
    // signed jars. EC keys stay SEC1 "EC PRIVATE KEY" with the named curve and the public point on disk and in the
    // kubeconfig, written by Bouncy Castle when they are made: fabric8 (7.9) cannot read an EC key as PKCS#8, and
    // Go's tls.X509KeyPair behind kubectl, and openssl, read SEC1. Reading one takes only the PKCS#8 wrapping the JDK
    // wants ({@link #sec1ToPkcs8}). PKCS#1 "RSA PRIVATE KEY" (service-account keys of old roots) is read by Bouncy
    // Castle (Certs).

    public static String pem(X509Certificate c) throws IOException {
        try {
            return pemBlock("CERTIFICATE", c.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException("cannot encode a certificate", e);
        }
    }

    /**
     * PEM of a private key: EC keys as SEC1 "EC PRIVATE KEY" with the named curve and the public point (what Go's
     * tls.X509KeyPair, openssl and fabric8's own parser all read); others as PKCS#8 "PRIVATE KEY".
     */
    public static String pemKey(PrivateKey k) {
        if (k instanceof java.security.interfaces.ECPrivateKey) return pemBlock("EC PRIVATE KEY", Certs.sec1(k));
        return pemBlock("PRIVATE KEY", k.getEncoded());
    }

    /** The admin key's PEM as stored (the kubeconfig carries it as is: re-encoding it would take Bouncy Castle). */
    public String adminKeyPem() { return adminKeyPem; }

    private static String pemBlock(String type, byte[] der) {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    /** Writes the key's PEM, mode 0600, and returns that PEM. */
    private static String writeKey(Path p, PrivateKey k) throws IOException {
        String pem = pemKey(k);
        AtomicFiles.write(p, pem.getBytes(StandardCharsets.US_ASCII));
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) { /* non-POSIX file system */ }
        return pem;
    }

    public static X509Certificate readCert(Path p) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(p)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    public static PrivateKey readKey(Path p) throws IOException {
        return readKey(Files.readString(p), p);
    }

    /** A private key from its PEM {@code text}; {@code p} names its file in errors. */
    static PrivateKey readKey(String text, Path p) throws IOException {
        byte[] der = pemBody(text, "PRIVATE KEY");
        if (der == null) {
            byte[] sec1 = pemBody(text, "EC PRIVATE KEY");
            if (sec1 == null) return Certs.readKey(text, p);
            try {
                return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(sec1ToPkcs8(sec1)));
            } catch (GeneralSecurityException e) {
                throw new IOException("bad EC private key in " + p + ": " + e.getMessage(), e);
            }
        }
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisAlgorithm) { /* try the next */ }
        }
        throw new IOException("no EC, RSA or Ed25519 private key in " + p);
    }

    static PublicKey readPublicKey(Path p) throws IOException {
        String text = Files.readString(p);
        byte[] der = pemBody(text, "PUBLIC KEY");
        if (der == null) return Certs.readPublicKey(text, p);
        for (String alg : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException notThisAlgorithm) { /* try the next */ }
        }
        throw new IOException("no EC, RSA or Ed25519 public key in " + p);
    }

    private static final List<String> KEY_ALGORITHMS = List.of("EC", "RSA", "Ed25519");

    /** The DER bytes of the first PEM block of {@code type}, or null when the text has none. */
    static byte[] pemBody(String text, String type) throws IOException {
        String begin = "-----BEGIN " + type + "-----", end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        if (b < 0) return null;
        int e = text.indexOf(end, b);
        if (e < 0) throw new IOException("PEM block " + type + " has no end line");
        try {
            return java.util.Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException bad) {
            throw new IOException("PEM block " + type + " is not base64: " + bad.getMessage());
        }
    }

    /**
     * A SEC1 EC private key (RFC 5915: SEQUENCE { version, privateKey OCTET STRING, [0] namedCurve OID, [1] publicKey })
     * as the PKCS#8 PrivateKeyInfo the JDK reads (RFC 5208: SEQUENCE { 0, SEQUENCE { id-ecPublicKey, namedCurve },
     * OCTET STRING holding the SEC1 key }). Only the curve is read out of the SEC1 structure; the key goes in whole.
     */
    static byte[] sec1ToPkcs8(byte[] sec1) throws IOException {
        int[] seq = tlv(sec1, 0);
        if (sec1[0] != 0x30 || seq[1] + seq[2] != sec1.length) throw new IOException("SEC1 key: not one DER SEQUENCE");
        byte[] curve = null;
        for (int at = seq[1]; at < sec1.length; ) {
            int[] f = tlv(sec1, at);
            if ((sec1[at] & 0xff) == 0xa0) { // [0] parameters: the named curve's OBJECT IDENTIFIER, whole
                int[] oid = tlv(sec1, at + f[1]);
                if (sec1[at + f[1]] != 0x06) throw new IOException("SEC1 key: curve parameters are not a named curve");
                curve = java.util.Arrays.copyOfRange(sec1, at + f[1], at + f[1] + oid[1] + oid[2]);
            }
            at += f[1] + f[2];
        }
        if (curve == null) throw new IOException("SEC1 key without its named curve");
        byte[] ecPublicKey = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01}; // 1.2.840.10045.2.1
        byte[] algorithm = der(0x30, concat(ecPublicKey, curve));
        return der(0x30, concat(new byte[]{0x02, 0x01, 0x00}, algorithm, der(0x04, sec1)));
    }

    /** {tag, header length, content length} of the DER element at {@code at}. */
    private static int[] tlv(byte[] b, int at) throws IOException {
        if (at + 2 > b.length) throw new IOException("SEC1 key: truncated DER");
        int len = b[at + 1] & 0xff, header = 2;
        if (len > 0x80) {
            int n = len & 0x7f;
            if (n > 3 || at + 2 + n > b.length) throw new IOException("SEC1 key: bad DER length");
            len = 0;
            for (int i = 0; i < n; i++) len = (len << 8) | (b[at + 2 + i] & 0xff);
            header += n;
        } else if (len == 0x80) throw new IOException("SEC1 key: indefinite DER length");
        if (at + header + len > b.length) throw new IOException("SEC1 key: truncated DER");
        return new int[]{b[at] & 0xff, header, len};
    }

    private static byte[] der(int tag, byte[] content) {
        int n = content.length;
        byte[] len = n < 0x80 ? new byte[]{(byte) n}
                : n < 0x100 ? new byte[]{(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[]{(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[]{(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        return concat(new byte[]{(byte) tag}, len, content);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
