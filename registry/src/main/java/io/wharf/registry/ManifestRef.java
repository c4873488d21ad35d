package io.wharf.registry;

import io.wharf.common.WharfException;
import io.wharf.oci.Digest;

import java.util.regex.Pattern;

/** The {@code <reference>} of a manifest URL: a tag or a digest (distribution-spec "Pulling manifests"). */
public sealed interface ManifestRef {
    Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

    record Tag(String tag) implements ManifestRef {
        public Tag {
            if (!TAG.matcher(tag).matches()) throw new RegistryException(ErrorCode.MANIFEST_INVALID, "invalid tag", tag);
        }
    }

    record ByDigest(Digest digest) implements ManifestRef {}

    static ManifestRef parse(String s) {
        if (s.indexOf(':') >= 0) {
            try {
                return new ByDigest(Digest.parse(s));
            } catch (WharfException e) {
                throw new RegistryException(ErrorCode.DIGEST_INVALID, e.getMessage(), s);
            }
        }
        return new Tag(s);
    }
}
