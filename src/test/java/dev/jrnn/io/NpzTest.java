package dev.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .npz}: archives numpy wrote, and hand-built ZIPs that lie about sizes or repeat members. */
class NpzTest {

    @TempDir
    Path dir;

    /** One member of a hand-built ZIP. */
    static final class Member {
        final String name;
        final byte[] data;
        final boolean deflate;
        long declaredSize;

        Member(String name, byte[] data, boolean deflate) {
            this.name = name;
            this.data = data;
            this.deflate = deflate;
            this.declaredSize = data.length;
        }

        Member declaring(long size) {
            declaredSize = size;
            return this;
        }
    }

    /** A minimal ZIP writer (no data descriptors, no zip64) that writes whatever sizes it is told. */
    static byte[] zip(List<Member> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (Member m : members) {
            byte[] stored = m.data;
            if (m.deflate) {
                Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
                d.setInput(m.data);
                d.finish();
                byte[] buf = new byte[m.data.length + 1024];
                int n = d.deflate(buf);
                d.end();
                stored = Arrays.copyOf(buf, n);
            }
            CRC32 crc = new CRC32();
            crc.update(m.data);
            byte[] name = m.name.getBytes(StandardCharsets.UTF_8);
            int offset = out.size();
            ByteBuffer lh = ByteBuffer.allocate(30).order(ByteOrder.LITTLE_ENDIAN);
            lh.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) (m.deflate ? 8 : 0))
                    .putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue()).putInt(stored.length)
                    .putInt((int) m.declaredSize).putShort((short) name.length).putShort((short) 0);
            out.writeBytes(lh.array());
            out.writeBytes(name);
            out.writeBytes(stored);
            ByteBuffer ch = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
            ch.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0)
                    .putShort((short) (m.deflate ? 8 : 0)).putShort((short) 0).putShort((short) 0x21)
                    .putInt((int) crc.getValue()).putInt(stored.length).putInt((int) m.declaredSize)
                    .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                    .putShort((short) 0).putInt(0).putInt(offset);
            cd.writeBytes(ch.array());
            cd.writeBytes(name);
        }
        int cdOffset = out.size();
        out.writeBytes(cd.toByteArray());
        ByteBuffer end = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
        end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) members.size())
                .putShort((short) members.size()).putInt(cd.size()).putInt(cdOffset).putShort((short) 0);
        out.writeBytes(end.array());
        return out.toByteArray();
    }

    Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static byte[] kernelNpy() throws IOException {
        return NpyTest.resource("io/npy/f4_2d.npy");
    }

    // ---------------------------------------------------------------- numpy's own archives

    @Test
    void readsNumpySavezAndSavezCompressed() throws IOException {
        SafetensorsFile e = NpyTest.expected();
        for (String f : new String[] {"plain", "compressed"}) {
            Path p = write(f + ".npz", NpyTest.resource("io/npz/" + f + ".npz"));
            Map<String, NpyArray> m = Npz.read(p);
            assertThat(m.get("kernel").tensor().contentEquals(e.tensor("f4_2d"))).isTrue();
            assertThat(m.get("bias").floats()).isEqualTo(e.floats("f4_1d"));
            if (f.equals("plain")) {
                assertThat(m.keySet()).containsExactly("kernel", "bias", "steps");
                assertThat(m.get("steps").longs()).isEqualTo(e.longs("i8_1d"));
            } else {
                assertThat(m.keySet()).containsExactly("kernel", "bias", "zeros");
                assertThat(m.get("zeros").shape()).containsExactly(64, 64);
            }
        }
        Path p = write("positional.npz", NpyTest.resource("io/npz/positional.npz"));
        assertThat(Npz.names(p)).containsExactly("arr_0", "arr_1");
        assertThat(Npz.read(p).get("arr_1").shape()).containsExactly(2, 3, 4);
    }

    @Test
    void handBuiltArchivesReadBothStoredAndDeflated() throws IOException {
        byte[] k = kernelNpy();
        Path p = write("ok.npz", zip(List.of(new Member("a.npy", k, false), new Member("b.npy", k, true))));
        Map<String, NpyArray> m = Npz.read(p);
        assertThat(m.keySet()).containsExactly("a", "b");
        assertThat(m.get("a")).isEqualTo(m.get("b"));
    }

    // ---------------------------------------------------------------- malformed archives

    @Test
    void notAZip() throws IOException {
        Path p = write("x.npz", "hello, not a zip".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(IOException.class).hasMessageContaining("not a valid .npz");
        Path npy = write("y.npz", kernelNpy());
        assertThatThrownBy(() -> Npz.read(npy)).isInstanceOf(IOException.class).hasMessageContaining("not a valid .npz");
    }

    @Test
    void memberCommentThatIsNotUtf8IsAMalformedArchive() throws IOException {
        // found by NpzJazzerTest (the committed crash-f8a78... input): java.util.zip checks member names
        // when it opens the archive, but decodes a member's comment only while listing the entries, and
        // reports a malformed one with an IllegalArgumentException
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes, StandardCharsets.ISO_8859_1)) {
            ZipEntry e = new ZipEntry("kernel.npy");
            e.setComment("caf\u00e9");   // the byte 0xE9, and no UTF-8 flag
            z.putNextEntry(e);
            z.write(kernelNpy());
            z.closeEntry();
        }
        Path p = write("latin1.npz", bytes.toByteArray());
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(IOException.class).hasMessageContaining("not a valid .npz");
        assertThatThrownBy(() -> Npz.names(p)).isInstanceOf(IOException.class).hasMessageContaining("not a valid .npz");
    }

    @Test
    void membersMustBeUniqueNpyFiles() throws IOException {
        byte[] k = kernelNpy();
        Path dup = write("dup.npz", zip(List.of(new Member("a.npy", k, false), new Member("a.npy", k, true))));
        assertThatThrownBy(() -> Npz.read(dup)).isInstanceOf(IOException.class)
                .hasMessageContaining("duplicate member 'a.npy'");
        Path other = write("other.npz", zip(List.of(new Member("a.npy", k, false), new Member("notes.txt", k, false))));
        assertThatThrownBy(() -> Npz.read(other)).isInstanceOf(IOException.class)
                .hasMessageContaining("member 'notes.txt' is not a .npy array");
        Path d = write("dir.npz", zip(List.of(new Member("sub/", new byte[0], false))));
        assertThatThrownBy(() -> Npz.read(d)).isInstanceOf(IOException.class).hasMessageContaining("'sub/'");
    }

    @Test
    void zipBombInflatingPastTheDeclaredSizeIsStopped() throws IOException {
        // A 4 MB member of zeros that declares 200 bytes: reading stops at the declared size and fails.
        byte[] big = new byte[4 << 20];
        byte[] npy = NpyTest.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576,), }", big);
        Path p = write("bomb.npz", zip(List.of(new Member("w.npy", npy, true).declaring(200))));
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("member 'w.npy'");
        // The header (128 bytes) fits the declared 144, the data does not: caught as a size disagreement.
        Path q = write("bomb2.npz", zip(List.of(new Member("w.npy", npy, true).declaring(128 + 16))));
        assertThatThrownBy(() -> Npz.read(q)).isInstanceOf(IOException.class)
                .hasMessageContaining("data truncated");
        // Declared exactly right for the npy header but the stream keeps inflating.
        byte[] small = NpyTest.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new byte[8]);
        byte[] padded = Arrays.copyOf(small, small.length + 100000);
        Path r = write("bomb3.npz", zip(List.of(new Member("w.npy", padded, true).declaring(small.length))));
        assertThatThrownBy(() -> Npz.read(r)).isInstanceOf(IOException.class)
                .hasMessageContaining("inflates to more than its declared " + small.length + " bytes");
    }

    @Test
    void declaredSizeLargerThanTheDataIsTruncation() throws IOException {
        byte[] k = kernelNpy();
        for (boolean deflate : new boolean[] {false, true}) {
            Path p = write("short" + deflate + ".npz", zip(List.of(new Member("a.npy", k, deflate).declaring(k.length + 40))));
            assertThatThrownBy(() -> Npz.read(p)).as("deflate=%s", deflate).isInstanceOf(IOException.class)
                    .hasMessageContaining("member 'a.npy'");
        }
    }

    @Test
    void totalDeclaredSizeIsCapped() throws IOException {
        byte[] k = kernelNpy();
        List<Member> ms = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ms.add(new Member("m" + i + ".npy", k, true));
        }
        Path p = write("many.npz", zip(ms));
        assertThat(Npz.read(p, 5L * k.length)).hasSize(5);
        assertThatThrownBy(() -> Npz.read(p, 5L * k.length - 1)).isInstanceOf(IOException.class)
                .hasMessageContaining("members declare more than " + (5L * k.length - 1)).hasMessageContaining("'m4.npy'");
        Path huge = write("huge.npz", zip(List.of(new Member("a.npy", k, true).declaring(0xfffffff0L))));
        assertThatThrownBy(() -> Npz.read(huge)).isInstanceOf(IOException.class)
                .hasMessageContaining("members declare more than");
        assertThatThrownBy(() -> Npz.read(p, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everySingleByteCorruptionIsReadOrAnIOException() throws IOException {
        byte[] whole = zip(List.of(new Member("a.npy", NpyTest.resource("io/npy/f4_1d.npy"), true),
                new Member("b.npy", NpyTest.resource("io/npy/i8_1d.npy"), false)));
        Path p = dir.resolve("fuzz.npz");
        for (int i = 0; i < whole.length; i++) {
            for (byte v : new byte[] {0, (byte) 0xff, 0x7f}) {
                byte[] b = whole.clone();
                b[i] ^= v == 0 ? b[i] : v;
                Files.write(p, b);
                try {
                    Npz.read(p);
                } catch (IOException expected) {
                    assertThat(expected).isNotNull();
                }
            }
        }
    }

    @Test
    void malformedMemberIsNamed() throws IOException {
        byte[] bad = kernelNpy().clone();
        bad[0] = 'X';
        Path p = write("bad.npz", zip(List.of(new Member("good.npy", kernelNpy(), false), new Member("bad.npy", bad, true))));
        assertThatThrownBy(() -> Npz.read(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("member 'bad.npy'").hasMessageContaining("bad magic");
    }
}
