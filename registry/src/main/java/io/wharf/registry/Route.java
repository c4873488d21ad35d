package io.wharf.registry;

import io.wharf.common.WharfException;
import io.wharf.oci.Digest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The endpoints of distribution-spec v1.1 ("Endpoints" table), parsed from a request path. */
sealed interface Route {
    record Base() implements Route {}

    record Catalog() implements Route {}

    record Tags(RepositoryName name) implements Route {}

    record Manifest(RepositoryName name, ManifestRef ref) implements Route {}

    record UploadStart(RepositoryName name) implements Route {}

    record Upload(RepositoryName name, String uuid) implements Route {}

    record Blob(RepositoryName name, Digest digest) implements Route {}

    record Referrers(RepositoryName name, Digest subject) implements Route {}

    record Unknown(String path) implements Route {}

    Pattern TAGS = Pattern.compile("/v2/(.+)/tags/list");
    Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    Pattern UPLOAD_START = Pattern.compile("/v2/(.+)/blobs/uploads/?");
    Pattern UPLOAD = Pattern.compile("/v2/(.+)/blobs/uploads/([^/]+)");
    Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/([^/]+)");
    Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([^/]+)");

    /** Parses a decoded path; a bad name throws NAME_INVALID, a bad digest DIGEST_INVALID. */
    static Route parse(String path) {
        if (path.equals("/v2/") || path.equals("/v2")) return new Base();
        if (path.equals("/v2/_catalog")) return new Catalog();
        Matcher m;
        if ((m = TAGS.matcher(path)).matches()) return new Tags(RepositoryName.parse(m.group(1)));
        if ((m = MANIFEST.matcher(path)).matches()) return new Manifest(RepositoryName.parse(m.group(1)), ManifestRef.parse(m.group(2)));
        if ((m = UPLOAD_START.matcher(path)).matches()) return new UploadStart(RepositoryName.parse(m.group(1)));
        if ((m = UPLOAD.matcher(path)).matches()) return new Upload(RepositoryName.parse(m.group(1)), m.group(2));
        if ((m = BLOB.matcher(path)).matches()) return new Blob(RepositoryName.parse(m.group(1)), digest(m.group(2)));
        if ((m = REFERRERS.matcher(path)).matches()) return new Referrers(RepositoryName.parse(m.group(1)), digest(m.group(2)));
        return new Unknown(path);
    }

    static Digest digest(String s) {
        try {
            return Digest.parse(s);
        } catch (WharfException e) {
            throw new RegistryException(ErrorCode.DIGEST_INVALID, "invalid digest", s);
        }
    }
}
