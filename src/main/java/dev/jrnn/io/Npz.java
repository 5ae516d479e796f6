package dev.jrnn.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads NumPy {@code .npz} archives ({@code numpy.savez} and {@code numpy.savez_compressed}): a ZIP
 * whose members are {@code <name>.npy} files, read with {@link Npy}'s validation.
 *
 * <pre>{@code
 * Map<String, NpyArray> arrays = Npz.read(Path.of("weights.npz"));   // np.savez("weights.npz", kernel=k, bias=b)
 * Tensor kernel = arrays.get("kernel").tensor();
 * }</pre>
 *
 * <p><b>Zip-bomb and consistency guards.</b> Sizes come from the ZIP central directory. An archive
 * is rejected with an {@link IOException} naming the member when: it is not a ZIP; it has more than
 * {@value #MAX_MEMBERS} members; a member is a directory, is not named {@code *.npy}, or its name
 * repeats another member's; a member's declared uncompressed size is unknown; the declared sizes sum
 * to more than the caller's limit (default {@value #DEFAULT_MAX_TOTAL_BYTES} bytes); a member
 * inflates to more or fewer bytes than it declares (checked while reading, so a lying member never
 * produces more than its declared size); or a member's {@code .npy} header disagrees with its
 * declared size. Memory use is bounded by the limit, whatever the archive claims.
 *
 * <p>Stateless and thread-safe. {@code null} arguments are rejected with a {@link NullPointerException}.
 *
 * <p>Thread safety: stateless; calls from many threads are safe.
 */
public final class Npz {

    /** The default cap on the sum of the members' declared uncompressed sizes: 2 GiB. */
    public static final long DEFAULT_MAX_TOTAL_BYTES = 1L << 31;
    /** The most members an archive may have. */
    public static final int MAX_MEMBERS = 65_536;

    private Npz() {
    }

    /**
     * Reads every array of an {@code .npz} archive, with the default size cap.
     *
     * @param path the archive, not modified
     * @return member name without {@code .npy} → array, in archive order (a new modifiable map)
     * @throws IOException if the archive or a member is malformed, or a guard trips
     */
    public static Map<String, NpyArray> read(Path path) throws IOException {
        return read(path, DEFAULT_MAX_TOTAL_BYTES);
    }

    /**
     * Reads every array of an {@code .npz} archive.
     *
     * @param path the archive, not modified
     * @param maxTotalBytes the largest accepted sum of the members' declared uncompressed sizes
     * @return member name without {@code .npy} → array, in archive order (a new modifiable map)
     * @throws IllegalArgumentException if {@code maxTotalBytes} is negative
     * @throws IOException if the archive or a member is malformed, or a guard trips
     */
    public static Map<String, NpyArray> read(Path path, long maxTotalBytes) throws IOException {
        Objects.requireNonNull(path, "path");
        if (maxTotalBytes < 0) {
            throw new IllegalArgumentException("maxTotalBytes must be >= 0, got " + maxTotalBytes);
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException e) {
            throw new IOException(path + ": not a valid .npz (ZIP) archive: " + e.getMessage(), e);
        }
        try (ZipFile z = zip) {
            if (z.size() > MAX_MEMBERS) {
                throw new IOException(path + ": " + z.size() + " members, more than the limit of " + MAX_MEMBERS);
            }
            Map<String, ZipEntry> members = new LinkedHashMap<>();
            long total = 0;
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
                ZipEntry e = nextEntry(en, path);
                String name = e.getName();
                if (e.isDirectory() || !name.endsWith(".npy")) {
                    throw new IOException(path + ": member '" + name + "' is not a .npy array");
                }
                String key = name.substring(0, name.length() - 4);
                if (members.containsKey(key)) {
                    throw new IOException(path + ": duplicate member '" + name + "'");
                }
                long size = e.getSize();
                if (size < 0) {
                    throw new IOException(path + ": member '" + name + "' does not declare its uncompressed size");
                }
                total += size;
                if (total > maxTotalBytes) {
                    throw new IOException(path + ": members declare more than " + maxTotalBytes
                            + " uncompressed bytes in total (at '" + name + "'); raise maxTotalBytes if the archive is"
                            + " trusted");
                }
                members.put(key, e);
            }
            Map<String, NpyArray> out = new LinkedHashMap<>();
            for (Map.Entry<String, ZipEntry> me : members.entrySet()) {
                ZipEntry e = me.getValue();
                String source = path + " member '" + e.getName() + "'";
                try (InputStream raw = z.getInputStream(e)) {
                    ExactInputStream in = new ExactInputStream(raw, e.getSize(), source);
                    NpyArray a;
                    try {
                        a = Npy.read(in, e.getSize(), source);
                    } catch (ZipException x) {
                        throw new IOException(source + ": corrupt compressed data: " + x.getMessage(), x);
                    }
                    in.checkEnd();
                    out.put(me.getKey(), a);
                }
            }
            return out;
        }
    }

    /**
     * {@return the next entry of a ZIP directory} {@code java.util.zip} decodes a member's comment only
     * here, and reports one that is not valid UTF-8 with an {@link IllegalArgumentException} ("malformed
     * input"); for a reader of untrusted files that is a malformed archive like any other.
     */
    private static ZipEntry nextEntry(Enumeration<? extends ZipEntry> en, Path path) throws IOException {
        try {
            return en.nextElement();
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": not a valid .npz (ZIP) archive: a member's name or comment is not"
                    + " valid UTF-8 (" + e.getMessage() + ")", e);
        }
    }

    /** {@return the member names of an archive without {@code .npy}, in archive order, without reading the data} */
    public static List<String> names(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (ZipFile z = new ZipFile(path.toFile())) {
            List<String> names = new ArrayList<>();
            for (Enumeration<? extends ZipEntry> en = z.entries(); en.hasMoreElements();) {
                String n = nextEntry(en, path).getName();
                names.add(n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n);
            }
            return names;
        } catch (ZipException e) {
            throw new IOException(path + ": not a valid .npz (ZIP) archive: " + e.getMessage(), e);
        }
    }

    /**
     * Passes through at most {@code declared} bytes and fails as soon as the underlying stream offers
     * more (a member inflating past its declared size), so a lying member cannot produce unbounded output.
     */
    private static final class ExactInputStream extends InputStream {
        private final InputStream in;
        private final long declared;
        private final String source;
        private long count;

        ExactInputStream(InputStream in, long declared, String source) {
            this.in = in;
            this.declared = declared;
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (count >= declared) {
                checkEnd();
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, declared - count));
            if (n > 0) {
                count += n;
            }
            return n;
        }

        /** Fails unless exactly {@code declared} bytes came and the member ends there. */
        void checkEnd() throws IOException {
            if (count < declared) {
                throw new IOException(source + ": member is truncated: it declares " + declared
                        + " uncompressed bytes but only " + count + " were read");
            }
            if (in.read() >= 0) {
                throw new IOException(source + ": member inflates to more than its declared " + declared
                        + " bytes (zip bomb or corrupt archive)");
            }
        }
    }
}
