package io.wharf.apiserver.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * EC keys keep the first start fast (RSA generation costs ~0.1-1 s a key on this machine).
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
    private final KeyPair serviceAccountKey;

    private Pki(Path dir, X509Certificate caCert, PrivateKey caKey, X509Certificate servingCert, PrivateKey servingKey,
                X509Certificate adminCert, PrivateKey adminKey, KeyPair serviceAccountKey) {
        this.dir = dir;
        this.caCert = caCert;
        this.caKey = caKey;
        this.servingCert = servingCert;
        this.servingKey = servingKey;
        this.adminCert = adminCert;
        this.adminKey = adminKey;
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
                X500Name name = new X500Name("CN=wharf-ca");
                caCert = sign(name, ca.getPublic(), name, ca.getPrivate(), Duration.ofDays(3650), true, null, List.of());
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
                serving = sign(new X500Name("CN=kube-apiserver"), kp.getPublic(), X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()),
                        ca.getPrivate(), Duration.ofDays(3650), false, KeyPurposeId.id_kp_serverAuth, sans);
                servingKey = kp.getPrivate();
                writeKey(dir.resolve("apiserver.key"), servingKey);
                AtomicFiles.write(dir.resolve("apiserver.crt"), pem(serving).getBytes(StandardCharsets.US_ASCII));
            }
            X509Certificate admin;
            PrivateKey adminKey;
            if (Files.exists(dir.resolve("admin.crt")) && Files.exists(dir.resolve("admin.key"))) {
                admin = readCert(dir.resolve("admin.crt"));
                adminKey = readKey(dir.resolve("admin.key"));
            } else {
                KeyPair kp = ecKey();
                admin = issueClientCert(caCert, ca.getPrivate(), kp.getPublic(), "admin", List.of("system:masters"), Duration.ofDays(3650));
                adminKey = kp.getPrivate();
                writeKey(dir.resolve("admin.key"), adminKey);
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
                AtomicFiles.write(dir.resolve("sa.pub"), pemObject(sa.getPublic()).getBytes(StandardCharsets.US_ASCII));
            }
            return new Pki(dir, caCert, ca.getPrivate(), serving, servingKey, admin, adminKey, sa);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot create the PKI in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Issues a client certificate: CN = user, O = groups (how Kubernetes reads client certs). */
    public static X509Certificate issueClientCert(X509Certificate caCert, PrivateKey caKey, PublicKey key, String user,
                                                  List<String> groups, Duration validity) throws GeneralSecurityException {
        X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
        for (String g : groups) nb.addRDN(BCStyle.O, g);
        nb.addRDN(BCStyle.CN, user);
        try {
            return sign(nb.build(), key, X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), caKey, validity,
                    false, KeyPurposeId.id_kp_clientAuth, List.of());
        } catch (org.bouncycastle.operator.OperatorCreationException | IOException e) {
            throw new GeneralSecurityException(e);
        }
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
                    if ((Integer) e.get(0) == GeneralName.iPAddress) v = normIp(v);
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

    private static X509Certificate sign(X500Name subject, PublicKey pub, X500Name issuer, PrivateKey issuerKey, Duration validity,
                                        boolean ca, KeyPurposeId purpose, List<String> sans)
            throws GeneralSecurityException, IOException, org.bouncycastle.operator.OperatorCreationException {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, pub);
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pub));
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        } else {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        }
        if (!sans.isEmpty()) {
            List<GeneralName> names = new ArrayList<>();
            for (String s : sans) names.add(isIp(s) ? new GeneralName(GeneralName.iPAddress, s) : new GeneralName(GeneralName.dNSName, s));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        String alg = issuerKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        ContentSigner signer = new JcaContentSignerBuilder(alg).build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    // ---- PEM ----

    public static String pem(X509Certificate c) throws IOException {
        return pemObject(c);
    }

    /**
     * PEM of a private key: EC keys as SEC1 "EC PRIVATE KEY" with the named curve and the public point (what Go's
     * tls.X509KeyPair, openssl and fabric8's own parser all read); others as PKCS#8 "PRIVATE KEY".
     */
    public static String pemKey(PrivateKey k) {
        if (k instanceof java.security.interfaces.ECPrivateKey) {
            try {
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(k.getEncoded());
                var curve = org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
                var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
                var x9 = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(curve);
                var q = x9.getG().multiply(inner.getKey()).normalize();
                var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(x9.getN().bitLength(), inner.getKey(),
                        new org.bouncycastle.asn1.DERBitString(q.getEncoded(false)), curve);
                return pemBlock("EC PRIVATE KEY", sec1.getEncoded());
            } catch (IOException e) {
                throw new IllegalStateException("cannot encode an EC key", e);
            }
        }
        return pemBlock("PRIVATE KEY", k.getEncoded());
    }

    private static String pemBlock(String type, byte[] der) {
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
    }

    private static String pemObject(Object o) throws IOException {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            w.writeObject(o);
        }
        return sw.toString();
    }

    private static void writeKey(Path p, PrivateKey k) throws IOException {
        AtomicFiles.write(p, pemKey(k).getBytes(StandardCharsets.US_ASCII));
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) { /* non-POSIX file system */ }
    }

    public static X509Certificate readCert(Path p) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(p)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    public static PrivateKey readKey(Path p) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(p)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) return conv.getKeyPair(kp).getPrivate();
            if (o instanceof PrivateKeyInfo pki) return conv.getPrivateKey(pki);
            throw new IOException("no private key in " + p);
        }
    }

    static PublicKey readPublicKey(Path p) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(p)))) {
            Object o = parser.readObject();
            if (o instanceof SubjectPublicKeyInfo spki) return new JcaPEMKeyConverter().getPublicKey(spki);
            throw new IOException("no public key in " + p);
        }
    }
}
