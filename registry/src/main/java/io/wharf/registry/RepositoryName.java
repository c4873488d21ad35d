package io.wharf.registry;

import java.util.regex.Pattern;

/**
 * A repository name as the distribution spec defines it ("Pulling manifests": {@code <name>}): path components of
 * lowercase alphanumerics joined by {@code .}, {@code _}, {@code __} or dashes, separated by {@code /}. The grammar
 * excludes {@code ..}, empty components and uppercase, so a valid name is also a safe storage path.
 */
public record RepositoryName(String value) implements Comparable<RepositoryName> {
    public static final Pattern GRAMMAR =
            Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");
    /** distribution's limit on the whole name. */
    public static final int MAX_LENGTH = 255;

    public RepositoryName {
        if (value == null || value.length() > MAX_LENGTH || !GRAMMAR.matcher(value).matches()) {
            throw new RegistryException(ErrorCode.NAME_INVALID, "invalid repository name", value);
        }
    }

    public static RepositoryName parse(String s) {
        return new RepositoryName(s);
    }

    @Override
    public String toString() {
        return value;
    }

    @Override
    public int compareTo(RepositoryName o) {
        return value.compareTo(o.value);
    }
}
