package io.wharf.build;

import io.wharf.common.WharfException;
import io.wharf.image.Archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --chown=user[:group]} against the image's /etc/passwd and /etc/group (the runtime has its own resolver for
 * container users, but it is package-private there). Numeric parts are taken as they are; a user without a group
 * gets the user's primary group (or the same number when numeric), as docker's classic builder does.
 */
final class Users {
    private Users() {}

    static int[] resolve(Path rootfs, String spec) {
        int colon = spec.indexOf(':');
        String user = colon < 0 ? spec : spec.substring(0, colon);
        String group = colon < 0 ? null : spec.substring(colon + 1);
        int uid, gid;
        if (user.matches("[0-9]+")) {
            uid = Integer.parseInt(user);
            gid = uid;
        } else {
            String[] e = find(rootfs, "/etc/passwd", user);
            if (e == null || e.length < 4) {
                throw WharfException.invalid("unable to convert uid/gid chown string to host mapping: can't find uid for user %s: no such user: %s", user, user);
            }
            uid = Integer.parseInt(e[2]);
            gid = Integer.parseInt(e[3]);
        }
        if (group != null && !group.isEmpty()) {
            if (group.matches("[0-9]+")) {
                gid = Integer.parseInt(group);
            } else {
                String[] g = find(rootfs, "/etc/group", group);
                if (g == null || g.length < 3) {
                    throw WharfException.invalid("unable to convert uid/gid chown string to host mapping: can't find gid for group %s: no such group: %s", group, group);
                }
                gid = Integer.parseInt(g[2]);
            }
        }
        return new int[] {uid, gid};
    }

    private static String[] find(Path rootfs, String file, String name) {
        Path p = Archive.resolveInRoot(rootfs, file, true);
        try {
            List<String> lines = Files.readAllLines(p);
            for (String l : lines) {
                String[] f = l.split(":", -1);
                if (f.length > 0 && f[0].equals(name)) return f;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
