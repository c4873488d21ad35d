package io.wharf.oci;

import io.wharf.common.WharfException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A normalized image reference, after distribution/reference ({@code ParseNormalizedNamed}, grammar in
 * reference/regexp.go): {@code nginx} → {@code docker.io/library/nginx}, {@code 127.0.0.1:5000/nginx:alpine},
 * {@code name@sha256:…}, {@code name:tag@sha256:…}.
 *
 * @param domain registry host[:port], always set ({@code docker.io} for Docker Hub)
 * @param path   repository path within the registry ({@code library/nginx}); lowercase
 * @param tag    tag or null
 * @param digest digest or null
 */
public record Reference(String domain, String path, String tag, Digest digest) {
    public static final String DEFAULT_DOMAIN = "docker.io";
    public static final String LEGACY_DEFAULT_DOMAIN = "index.docker.io";
    public static final String OFFICIAL_REPO_PREFIX = "library/";
    public static final String DEFAULT_TAG = "latest";
    public static final int NAME_TOTAL_LENGTH_MAX = 255;

    // distribution/reference regexp.go
    private static final String ALNUM = "[a-z0-9]+";
    private static final String SEPARATOR = "(?:[._]|__|[-]+)";
    private static final String PATH_COMPONENT = ALNUM + "(?:" + SEPARATOR + ALNUM + ")*";
    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final String DOMAIN_NAME = DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*";
    private static final String IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
    private static final String HOST = "(?:" + DOMAIN_NAME + "|" + IPV6 + ")";
    private static final String DOMAIN = HOST + "(?::[0-9]+)?";
    private static final String TAG = "[\\w][\\w.-]{0,127}";
    private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
    private static final String REMOTE_NAME = PATH_COMPONENT + "(?:/" + PATH_COMPONENT + ")*";
    private static final String NAME = "(?:" + DOMAIN + "/)?" + REMOTE_NAME;
    private static final Pattern REFERENCE = Pattern.compile("^(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?$");
    private static final Pattern ANCHORED_NAME = Pattern.compile("^(?:(" + DOMAIN + ")/)?(" + REMOTE_NAME + ")$");
    private static final Pattern TAG_PATTERN = Pattern.compile("^" + TAG + "$");
    private static final Pattern IDENTIFIER = Pattern.compile("^[a-f0-9]{64}$");

    public Reference {
        if (domain == null || domain.isEmpty() || path == null || path.isEmpty()) {
            throw WharfException.invalid("invalid reference format");
        }
        if (tag != null && !TAG_PATTERN.matcher(tag).matches()) throw WharfException.invalid("invalid tag format");
        if ((domain + "/" + path).length() > NAME_TOTAL_LENGTH_MAX) {
            throw WharfException.invalid("repository name must not be more than %d characters", NAME_TOTAL_LENGTH_MAX);
        }
    }

    /**
     * Parses a reference as the docker CLI and daemon do ({@code ParseNormalizedNamed}); errors read like docker's:
     * {@code invalid reference format}, {@code invalid reference format: repository name (library/Nginx) must be
     * lowercase}, {@code invalid repository name (…), cannot specify 64-byte hexadecimal strings}.
     * No default tag is added; use {@link #withDefaultTag()}.
     */
    public static Reference parse(String s) {
        if (s == null || s.isEmpty()) throw WharfException.invalid("invalid reference format");
        if (IDENTIFIER.matcher(s).matches()) {
            throw WharfException.invalid("invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);
        }
        // split domain the way splitDockerDomain does, before matching, so the lowercase check names the path
        String namePart = s;
        int at = namePart.indexOf('@');
        if (at >= 0) namePart = namePart.substring(0, at);
        String[] dr = splitDockerDomain(stripTag(namePart));
        String remote = dr[1];
        if (!remote.toLowerCase(Locale.ROOT).equals(remote)) {
            throw WharfException.invalid("invalid reference format: repository name (%s) must be lowercase", remote);
        }
        Matcher m = REFERENCE.matcher(s);
        if (!m.matches()) {
            throw WharfException.invalid("invalid reference format");
        }
        String name = m.group(1);
        if (name.length() > NAME_TOTAL_LENGTH_MAX) {
            throw WharfException.invalid("repository name must not be more than %d characters", NAME_TOTAL_LENGTH_MAX);
        }
        String[] split = splitDockerDomain(name);
        Digest d = null;
        if (m.group(3) != null) {
            try {
                d = Digest.parse(m.group(3));
            } catch (WharfException e) {
                throw WharfException.invalid("invalid reference format: %s", e.getMessage());
            }
        }
        return new Reference(split[0], split[1], m.group(2), d);
    }

    /** Parses a repository name without tag or digest ({@code docker tag} target repo, {@code fromImage}). */
    public static Reference parseName(String s) {
        Reference r = parse(s);
        if (r.tag != null || r.digest != null) throw WharfException.invalid("invalid reference format: %s is not a repository name", s);
        return r;
    }

    /** True when {@code s} could be a (possibly short) image ID rather than a name: 1–64 lowercase hex, optionally "sha256:". */
    public static boolean looksLikeId(String s) {
        if (s.startsWith("sha256:")) s = s.substring(7);
        return !s.isEmpty() && s.length() <= 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    private static String stripTag(String name) {
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        return colon > slash ? name.substring(0, colon) : name;
    }

    /** distribution/reference normalize.go splitDockerDomain. */
    private static String[] splitDockerDomain(String name) {
        String domain;
        String remainder;
        int i = name.indexOf('/');
        if (i == -1 || (!containsAny(name.substring(0, i), ".:") && !name.substring(0, i).equals("localhost")
                && name.substring(0, i).toLowerCase(Locale.ROOT).equals(name.substring(0, i)))) {
            domain = DEFAULT_DOMAIN;
            remainder = name;
        } else {
            domain = name.substring(0, i);
            remainder = name.substring(i + 1);
        }
        if (domain.equals(LEGACY_DEFAULT_DOMAIN)) domain = DEFAULT_DOMAIN;
        if (domain.equals(DEFAULT_DOMAIN) && remainder.indexOf('/') == -1) remainder = OFFICIAL_REPO_PREFIX + remainder;
        return new String[] {domain, remainder};
    }

    private static boolean containsAny(String s, String chars) {
        for (char c : chars.toCharArray()) if (s.indexOf(c) >= 0) return true;
        return false;
    }

    /** The full repository name: {@code docker.io/library/nginx}. */
    public String name() {
        return domain + "/" + path;
    }

    /** The repository name as docker shows it: {@code nginx}, {@code user/app}, {@code 127.0.0.1:5000/nginx}. */
    public String familiarName() {
        if (domain.equals(DEFAULT_DOMAIN)) {
            if (path.startsWith(OFFICIAL_REPO_PREFIX) && path.indexOf('/', OFFICIAL_REPO_PREFIX.length()) == -1) {
                return path.substring(OFFICIAL_REPO_PREFIX.length());
            }
            return path;
        }
        return name();
    }

    /** The full reference: {@code docker.io/library/nginx:latest}, {@code …@sha256:…}. */
    @Override
    public String toString() {
        return name() + suffix();
    }

    /** The reference as docker shows it: {@code nginx:latest}, {@code 127.0.0.1:5000/nginx:alpine}. */
    public String familiarString() {
        return familiarName() + suffix();
    }

    private String suffix() {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** Adds {@code :latest} when neither tag nor digest is present (TagNameOnly). */
    public Reference withDefaultTag() {
        return tag == null && digest == null ? new Reference(domain, path, DEFAULT_TAG, null) : this;
    }

    public Reference withTag(String t) {
        return new Reference(domain, path, t, null);
    }

    public Reference withDigest(Digest d) {
        return new Reference(domain, path, null, d);
    }

    /** The repository alone (no tag, no digest). */
    public Reference repository() {
        return new Reference(domain, path, null, null);
    }

    public boolean isTagged() {
        return tag != null;
    }

    /** Has a digest ("canonical" in distribution/reference). */
    public boolean isCanonical() {
        return digest != null;
    }

    /** The host a registry client talks to: {@code registry-1.docker.io} for Docker Hub, else the domain. */
    public String registryHost() {
        return domain.equals(DEFAULT_DOMAIN) ? "registry-1.docker.io" : domain;
    }
}
