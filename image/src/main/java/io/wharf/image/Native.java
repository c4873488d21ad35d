package io.wharf.image;

import io.wharf.common.ErrorKind;
import io.wharf.common.WharfException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few libc calls the JDK lacks (mknod, lchown, xattrs, utimensat without following links, chmod with
 * setuid/sticky bits, mount/umount2), through the FFM API. Errors become {@link IOException}s naming errno.
 * Run the JVM with {@code --enable-native-access=ALL-UNNAMED} to silence the restricted-method warning.
 */
final class Native {
    private Native() {}

    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int MNT_DETACH = 2;
    static final int MS_RDONLY = 1;
    static final int ENODATA = 61;
    static final int ENOENT = 2;
    static final int EINVAL = 22;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CCS = Linker.Option.captureCallState("errno");

    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong L = ValueLayout.JAVA_LONG;
    private static final ValueLayout P = ValueLayout.ADDRESS;

    private static final MethodHandle MKNOD = fn("mknod", FunctionDescriptor.of(I, P, I, L));
    private static final MethodHandle LCHOWN = fn("lchown", FunctionDescriptor.of(I, P, I, I));
    private static final MethodHandle CHMOD = fn("chmod", FunctionDescriptor.of(I, P, I));
    private static final MethodHandle LSETXATTR = fn("lsetxattr", FunctionDescriptor.of(I, P, P, P, L, I));
    private static final MethodHandle LGETXATTR = fn("lgetxattr", FunctionDescriptor.of(L, P, P, P, L));
    private static final MethodHandle LLISTXATTR = fn("llistxattr", FunctionDescriptor.of(L, P, P, L));
    private static final MethodHandle UTIMENSAT = fn("utimensat", FunctionDescriptor.of(I, I, P, P, I));
    private static final MethodHandle MOUNT = fn("mount", FunctionDescriptor.of(I, P, P, P, L, P));
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(I, P, I));

    @SuppressWarnings("restricted")
    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new IllegalStateException("libc lacks " + name)), fd, CCS);
    }

    static final class ErrnoException extends IOException {
        final int errno;

        ErrnoException(String op, Path p, int errno) {
            super(op + " " + p + ": errno " + errno + " (" + strerror(errno) + ")");
            this.errno = errno;
        }
    }

    private static String strerror(int e) {
        return switch (e) {
            case 1 -> "operation not permitted";
            case 2 -> "no such file or directory";
            case 13 -> "permission denied";
            case 16 -> "device or resource busy";
            case 17 -> "file exists";
            case 22 -> "invalid argument";
            case 61 -> "no data available";
            case 95 -> "operation not supported";
            default -> "error";
        };
    }

    private static int errno(MemorySegment cs) {
        return (int) ERRNO.get(cs, 0L);
    }

    private static MemorySegment str(Arena a, String s) {
        return a.allocateFrom(s, StandardCharsets.UTF_8);
    }

    private static String ps(Path p) {
        return p.toString();
    }

    static void mknod(Path p, int mode, int major, int minor) throws IOException {
        long dev = ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) MKNOD.invokeExact(cs, str(a, ps(p)), mode, dev);
            if (r != 0) throw new ErrnoException("mknod", p, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** An overlayfs whiteout: a character device 0/0. */
    static void whiteout(Path p) throws IOException {
        mknod(p, S_IFCHR, 0, 0);
    }

    static void lchown(Path p, int uid, int gid) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) LCHOWN.invokeExact(cs, str(a, ps(p)), uid, gid);
            if (r != 0) throw new ErrnoException("lchown", p, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** chmod with all 12 permission bits (setuid, setgid, sticky included); follows links, so never call on one. */
    static void chmod(Path p, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) CHMOD.invokeExact(cs, str(a, ps(p)), mode & 07777);
            if (r != 0) throw new ErrnoException("chmod", p, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void lsetxattr(Path p, String name, byte[] value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            int r = (int) LSETXATTR.invokeExact(cs, str(a, ps(p)), str(a, name), v, (long) value.length, 0);
            if (r != 0) throw new ErrnoException("lsetxattr " + name, p, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The xattr value, or null when absent (ENODATA) or unsupported. */
    static byte[] lgetxattr(Path p, String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment path = str(a, ps(p));
            MemorySegment n = str(a, name);
            // ask for the size first: most files have no xattrs, and big buffers per file add up in a tree walk
            long size = (long) LGETXATTR.invokeExact(cs, path, n, MemorySegment.NULL, 0L);
            if (size < 0) {
                int e = errno(cs);
                if (e == ENODATA || e == 95) return null;
                throw new ErrnoException("lgetxattr " + name, p, e);
            }
            if (size == 0) return new byte[0];
            MemorySegment buf = a.allocate(size);
            long r = (long) LGETXATTR.invokeExact(cs, path, n, buf, size);
            if (r < 0) {
                int e = errno(cs);
                if (e == ENODATA || e == 95) return null;
                throw new ErrnoException("lgetxattr " + name, p, e);
            }
            return buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static List<String> llistxattr(Path p) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment path = str(a, ps(p));
            long size = (long) LLISTXATTR.invokeExact(cs, path, MemorySegment.NULL, 0L);
            if (size <= 0) {
                if (size < 0 && errno(cs) != 95) throw new ErrnoException("llistxattr", p, errno(cs));
                return List.of();
            }
            MemorySegment buf = a.allocate(size);
            long r = (long) LLISTXATTR.invokeExact(cs, path, buf, size);
            if (r < 0) throw new ErrnoException("llistxattr", p, errno(cs));
            List<String> out = new ArrayList<>();
            byte[] b = buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    if (i > start) out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Sets atime and mtime without following a final symlink. */
    static void lutimes(Path p, long epochSecond, int nanos) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(32);
            ts.set(ValueLayout.JAVA_LONG, 0, epochSecond);
            ts.set(ValueLayout.JAVA_LONG, 8, nanos);
            ts.set(ValueLayout.JAVA_LONG, 16, epochSecond);
            ts.set(ValueLayout.JAVA_LONG, 24, nanos);
            int r = (int) UTIMENSAT.invokeExact(cs, AT_FDCWD, str(a, ps(p)), ts, AT_SYMLINK_NOFOLLOW);
            if (r != 0) throw new ErrnoException("utimensat", p, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            MemorySegment d = data == null ? MemorySegment.NULL : str(a, data);
            int r = (int) MOUNT.invokeExact(cs, str(a, source), str(a, ps(target)), str(a, fstype), flags, d);
            if (r != 0) throw new ErrnoException("mount " + fstype, target, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void umount(Path target, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = a.allocate(CAPTURE);
            int r = (int) UMOUNT2.invokeExact(cs, str(a, ps(target)), flags);
            if (r != 0) throw new ErrnoException("umount", target, errno(cs));
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static WharfException wrap(String what, IOException e) {
        return new WharfException(ErrorKind.INTERNAL, what + ": " + e.getMessage(), e);
    }
}
