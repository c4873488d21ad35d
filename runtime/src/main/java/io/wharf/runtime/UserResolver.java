package io.wharf.runtime;

import io.wharf.common.WharfException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves Docker's {@code User} string against a container rootfs's /etc/passwd and /etc/group, the way runc's
 * libcontainer/user does: "name", "uid", "name:group", "uid:gid"; a numeric uid unknown to passwd is allowed (gid 0
 * then); a name that is not found is an error. Files are reached with {@link #resolveIn} so symlinks in the image
 * cannot point the runtime at host files.
 */
final class UserResolver {
    private UserResolver() {}

    /** uid, gid, supplementary gids and home (for HOME). */
    record ResolvedUser(long uid, long gid, List<Long> additionalGids, String home) {}

    static ResolvedUser resolve(Path rootfs, String user, List<String> groupAdd) {
        String u = user == null ? "" : user.trim();
        String userPart = u, groupPart = null;
        int colon = u.indexOf(':');
        if (colon >= 0) {
            userPart = u.substring(0, colon);
            groupPart = u.substring(colon + 1);
        }
        List<String[]> passwd = readDb(rootfs, "/etc/passwd");
        List<String[]> groups = readDb(rootfs, "/etc/group");
        long uid = 0, gid = 0;
        String home = "/";
        String userName = null;
        if (userPart.isEmpty()) userPart = "0";
        String[] entry = null;
        if (isNumeric(userPart)) {
            uid = Long.parseLong(userPart);
            for (String[] p : passwd) {
                if (p.length >= 4 && p[2].equals(userPart)) {
                    entry = p;
                    break;
                }
            }
        } else {
            for (String[] p : passwd) {
                if (p.length >= 4 && p[0].equals(userPart)) {
                    entry = p;
                    break;
                }
            }
            if (entry == null) {
                throw WharfException.invalid("unable to find user %s: no matching entries in passwd file", userPart);
            }
            uid = parseId(entry[2], userPart);
        }
        if (entry != null) {
            userName = entry[0];
            gid = parseId(entry[3], userPart);
            if (entry.length >= 6 && !entry[5].isEmpty()) home = entry[5];
        }
        if (groupPart != null && !groupPart.isEmpty()) {
            gid = groupId(groups, groupPart);
        }
        List<Long> extra = new ArrayList<>();
        if (userName != null) {
            // Supplementary groups from /etc/group membership (as runc does for the container user).
            for (String[] g : groups) {
                if (g.length >= 4 && !g[3].isEmpty()) {
                    for (String member : g[3].split(",")) {
                        if (member.trim().equals(userName)) {
                            long id = parseId(g[2], g[0]);
                            if (id != gid && !extra.contains(id)) extra.add(id);
                        }
                    }
                }
            }
        }
        for (String g : groupAdd) {
            long id = groupId(groups, g);
            if (!extra.contains(id)) extra.add(id);
        }
        return new ResolvedUser(uid, gid, List.copyOf(extra), home);
    }

    private static long groupId(List<String[]> groups, String group) {
        if (isNumeric(group)) return Long.parseLong(group);
        for (String[] g : groups) {
            if (g.length >= 3 && g[0].equals(group)) return parseId(g[2], group);
        }
        throw WharfException.invalid("unable to find group %s: no matching entries in group file", group);
    }

    private static boolean isNumeric(String s) {
        if (s.isEmpty() || s.length() > 10) return false;
        for (int i = 0; i < s.length(); i++) if (!Character.isDigit(s.charAt(i))) return false;
        return true;
    }

    private static long parseId(String s, String what) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw WharfException.invalid("invalid id %s for %s", s, what);
        }
    }

    private static List<String[]> readDb(Path rootfs, String path) {
        Path p = resolveIn(rootfs, path);
        if (p == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) return List.of();
        try {
            List<String[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) continue;
                out.add(line.split(":", -1));
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Resolves an absolute in-container path to a host path inside {@code rootfs}, following symlinks as the
     * container would see them (absolute targets are relative to rootfs, ".." stops at rootfs). Returns null on a
     * symlink loop. Like Go's securejoin.
     */
    static Path resolveIn(Path rootfs, String path) {
        List<String> todo = new ArrayList<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.removeFirst();
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) {
                if (!done.isEmpty()) done.removeLast();
                continue;
            }
            Path candidate = join(rootfs, done).resolve(part);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > 40) return null;
                try {
                    String target = Files.readSymbolicLink(candidate).toString();
                    List<String> next = new ArrayList<>(List.of(target.split("/")));
                    if (target.startsWith("/")) done.clear();
                    next.addAll(todo);
                    todo = next;
                } catch (IOException e) {
                    return null;
                }
            } else {
                done.add(part);
            }
        }
        return join(rootfs, done);
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) p = p.resolve(s);
        return p;
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
