package io.wharf.apiserver.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * What the PKI does with Bouncy Castle: issuing certificates, and reading the key formats of roots written before
 * keys were stored as PKCS#8. Kept apart from {@link Pki} so that a restart on a current root, which only reads, loads
 * none of these classes (see Pki's PEM section).
 */
final class Certs {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Certs() {}

    /** A self-signed CA certificate. */
    static X509Certificate ca(String commonName, KeyPair key, Duration validity) throws GeneralSecurityException {
        X500Name name = new X500Name("CN=" + commonName);
        return sign(name, key.getPublic(), name, key.getPrivate(), validity, true, null, List.of());
    }

    /** A serving certificate for {@code sans} (IP literals become IP SANs, the rest DNS names). */
    static X509Certificate serving(String commonName, PublicKey key, X509Certificate caCert, PrivateKey caKey, Duration validity,
                                   List<String> sans) throws GeneralSecurityException {
        return sign(new X500Name("CN=" + commonName), key, X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), caKey,
                validity, false, KeyPurposeId.id_kp_serverAuth, sans);
    }

    /** A client certificate: CN = user, O = groups (how Kubernetes reads client certificates). */
    static X509Certificate client(String user, List<String> groups, PublicKey key, X509Certificate caCert, PrivateKey caKey,
                                  Duration validity) throws GeneralSecurityException {
        X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE);
        for (String g : groups) nb.addRDN(BCStyle.O, g);
        nb.addRDN(BCStyle.CN, user);
        return sign(nb.build(), key, X500Name.getInstance(caCert.getSubjectX500Principal().getEncoded()), caKey, validity, false,
                KeyPurposeId.id_kp_clientAuth, List.of());
    }

    private static X509Certificate sign(X500Name subject, PublicKey pub, X500Name issuer, PrivateKey issuerKey, Duration validity,
                                        boolean ca, KeyPurposeId purpose, List<String> sans) throws GeneralSecurityException {
        try {
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
            return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder(alg).build(issuerKey)));
        } catch (IOException | OperatorCreationException e) {
            throw new GeneralSecurityException("cannot issue a certificate for " + subject + ": " + e.getMessage(), e);
        }
    }

    /** SEC1 DER of an EC private key, with its named curve and public point (RFC 5915). */
    static byte[] sec1(PrivateKey k) {
        try {
            PrivateKeyInfo info = PrivateKeyInfo.getInstance(k.getEncoded());
            var curve = org.bouncycastle.asn1.ASN1ObjectIdentifier.getInstance(info.getPrivateKeyAlgorithm().getParameters());
            var inner = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey());
            var x9 = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByOID(curve);
            var q = x9.getG().multiply(inner.getKey()).normalize();
            return new org.bouncycastle.asn1.sec.ECPrivateKey(x9.getN().bitLength(), inner.getKey(),
                    new org.bouncycastle.asn1.DERBitString(q.getEncoded(false)), curve).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode an EC key", e);
        }
    }

    static boolean isIp(String s) {
        return s.matches("[0-9.]+") || s.contains(":");
    }

    /** A private key in any PEM form Bouncy Castle reads (SEC1 "EC PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY", PKCS#8). */
    static PrivateKey readKey(String pem, Path from) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) return conv.getPrivateKey(kp.getPrivateKeyInfo()); // SEC1 with or without its public point
            if (o instanceof PrivateKeyInfo info) return conv.getPrivateKey(info);
            throw new IOException("no private key in " + from);
        }
    }

    static PublicKey readPublicKey(String pem, Path from) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o instanceof SubjectPublicKeyInfo spki) return new JcaPEMKeyConverter().getPublicKey(spki);
            throw new IOException("no public key in " + from);
        }
    }
}
