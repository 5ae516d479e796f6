package dev.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code .npy}: files numpy wrote, the writer's bytes against numpy's, and every malformed case. */
class NpyTest {

    @TempDir
    Path dir;

    static byte[] resource(String path) throws IOException {
        try (InputStream in = NpyTest.class.getResourceAsStream("/fixtures/" + path)) {
            Objects.requireNonNull(in, path);
            return in.readAllBytes();
        }
    }

    static SafetensorsFile expected() throws IOException {
        return Safetensors.read(resource("io/npy/expected.safetensors"));
    }

    static Stream<String> fixtureNames() throws IOException {
        return expected().names().stream();
    }

    /** A .npy with a hand-written header dict (version 1.0, padded to 64 bytes) and raw data. */
    static byte[] npy(String dict, byte[] data) {
        return npy(1, dict, data);
    }

    static byte[] npy(int major, String dict, byte[] data) {
        int lenBytes = major == 1 ? 2 : 4;
        StringBuilder h = new StringBuilder(dict);
        while ((10 + (lenBytes - 2) + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) major).put((byte) 0);
        if (lenBytes == 2) {
            b.putShort((short) hb.length);
        } else {
            b.putInt(hb.length);
        }
        return b.put(hb).put(data).array();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static final String F4_23 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    static void assertRejected(byte[] bytes, String... fragments) {
        assertThatThrownBy(() -> Npy.read(bytes)).isInstanceOf(IOException.class)
                .hasMessageContainingAll(fragments);
    }

    // ---------------------------------------------------------------- numpy's own files

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtureNames")
    void readsWhatNumpyWrote(String name) throws IOException {
        NpyArray a = Npy.read(resource("io/npy/" + name + ".npy"));
        SafetensorsFile e = expected();
        assertThat(a.shape()).isEqualTo(e.shape(name));
        if (e.dtype(name) == SafetensorsFile.Dtype.I64) {
            assertThat(a.dtype().isFloatingPoint()).isFalse();
            assertThat(a.longs()).isEqualTo(e.longs(name));
        } else {
            assertThat(a.dtype().isFloatingPoint()).isTrue();
            float[] want = e.floats(name);
            float[] got = a.floats();
            assertThat(got).hasSize(want.length);
            for (int i = 0; i < want.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", name, i)
                        .isEqualTo(Float.floatToRawIntBits(want[i]));
            }
        }
        assertThat(a.fortranOrder()).isEqualTo(name.contains("fortran"));
    }

    @Test
    void readsFromAFileAndReportsDtypes() throws IOException {
        Path p = dir.resolve("a.npy");
        Files.write(p, resource("io/npy/f8_2d.npy"));
        NpyArray a = Npy.read(p);
        assertThat(a.dtype()).isEqualTo(NpyArray.Dtype.F8);
        assertThat(a.tensor().shape()).containsExactly(3, 4);
        assertThat(Npy.read(resource("io/npy/f2_2d.npy")).dtype()).isEqualTo(NpyArray.Dtype.F2);
        assertThat(Npy.read(resource("io/npy/i4_2d.npy")).longs()).startsWith(-6L, -5L);
        assertThatThrownBy(() -> Npy.read(resource("io/npy/i4_2d.npy")).tensor())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("longs()");
        assertThatThrownBy(() -> Npy.read(resource("io/npy/f4_2d.npy")).longs())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"f4_2d", "f4_1d", "f4_0d", "f4_empty", "f4_wide"})
    void writerReproducesNumpySaveBytes(String name) throws IOException {
        byte[] numpy = resource("io/npy/" + name + ".npy");
        Tensor t = Npy.read(numpy).tensor();
        assertThat(Npy.toBytes(t)).isEqualTo(numpy);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, t);
        assertThat(out.toByteArray()).isEqualTo(numpy);
    }

    @Test
    void longWriterReproducesNumpySaveBytes() throws IOException {
        byte[] numpy = resource("io/npy/i8_1d.npy");
        NpyArray a = Npy.read(numpy);
        assertThat(Npy.toBytes(a.longs(), a.shape())).isEqualTo(numpy);
        assertThatThrownBy(() -> Npy.toBytes(new long[3], 2, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 4 values, got 3");
        assertThatThrownBy(() -> Npy.toBytes(new long[0], -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeIsAtomicAndRoundTrips() throws IOException {
        Tensor t = Tensor.of(new float[] {1, -0f, Float.NaN, Float.NEGATIVE_INFINITY, 3.5f, 1e-40f}, 3, 2);
        Path p = dir.resolve("t.npy");
        Files.writeString(p, "old");
        Npy.write(p, t.transpose(0, 1)); // a non-contiguous view is written row-major
        NpyArray back = Npy.read(p);
        assertThat(back.shape()).containsExactly(2, 3);
        assertThat(back.tensor().contentEquals(t.transpose(0, 1).contiguous())).isTrue();
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("t.npy");
        }
        Path blocked = dir.resolve("sub");
        Files.createDirectories(blocked.resolve("x"));
        assertThatThrownBy(() -> Npy.write(blocked, t)).isInstanceOf(IOException.class);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactlyInAnyOrder("t.npy", "sub");
        }
    }

    @Test
    void readsHandWrittenVariants() throws IOException {
        byte[] data = f32(1, 2, 3, 4, 5, 6);
        // double quotes, no trailing comma, extra spaces, Python 2 long literals
        NpyArray a = Npy.read(npy("{\"descr\": \"<f4\" , 'shape':(2L,3L),'fortran_order':False}", data));
        assertThat(a.floats()).containsExactly(1, 2, 3, 4, 5, 6);
        // fortran order: the file holds columns
        NpyArray f = Npy.read(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data));
        assertThat(f.floats()).containsExactly(1, 3, 5, 2, 4, 6);
        // versions 2.0 and 3.0
        assertThat(Npy.read(npy(2, F4_23, data)).floats()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(Npy.read(npy(3, F4_23, data)).floats()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    // ---------------------------------------------------------------- malformed inputs

    @Test
    void everyTruncationIsAnIOException() throws IOException {
        byte[] whole = resource("io/npy/f4_2d.npy");
        for (int n = 0; n < whole.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> Npy.read(cut)).as("prefix %d", n).isInstanceOf(IOException.class);
        }
        assertRejected(java.util.Arrays.copyOf(whole, 5), "input is only 5 bytes");
        assertRejected(java.util.Arrays.copyOf(whole, 9), "header length");
        assertRejected(java.util.Arrays.copyOf(whole, 164), "data truncated", "needs 48 bytes, only 36");
    }

    @Test
    void everySingleByteCorruptionIsReadOrAnIOException() throws IOException {
        byte[] whole = resource("io/npy/f4_fortran_3d.npy");
        byte[] values = {0, 1, ' ', '\n', '(', ')', ',', '\'', '-', '9', (byte) 0xff, 'T', '{', '}'};
        int headerEnd = 128;
        for (int i = 0; i < headerEnd; i++) {
            for (byte v : values) {
                byte[] b = whole.clone();
                b[i] = v;
                try {
                    NpyArray a = Npy.read(b);
                    assertThat(a.numel()).isLessThanOrEqualTo(24);
                } catch (IOException expected) {
                    assertThat(expected.getMessage()).startsWith("npy input: ");
                }
            }
        }
    }

    @Test
    void badMagicAndVersion() {
        byte[] good = npy(F4_23, f32(1, 2, 3, 4, 5, 6));
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertRejected(magic, "bad magic 58 4e 55 4d 50 59");
        for (int[] v : new int[][] {{0, 0}, {4, 0}, {1, 1}}) {
            byte[] b = good.clone();
            b[6] = (byte) v[0];
            b[7] = (byte) v[1];
            assertRejected(b, "unsupported .npy format version " + v[0] + "." + v[1]);
        }
    }

    @Test
    void headerLengthBeyondInputOrLimit() {
        ByteBuffer b = ByteBuffer.allocate(12 + 10).order(ByteOrder.LITTLE_ENDIAN);
        b.put(Npy.MAGIC).put((byte) 2).put((byte) 0).putInt(Integer.MAX_VALUE);
        assertRejected(b.array(), "header length 2147483647 exceeds the limit of 100000 bytes");
        ByteBuffer c = ByteBuffer.allocate(10 + 10).order(ByteOrder.LITTLE_ENDIAN);
        c.put(Npy.MAGIC).put((byte) 1).put((byte) 0).putShort((short) 500);
        assertRejected(c.array(), "header length 500 runs past the end of the input: only 10 bytes");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "['descr', 3] | expected '{'",
        "{'descr': '<f4', 'fortran_order': False} | header keys are [descr, fortran_order]",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1} | header keys are",
        "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)} | has the key 'descr' twice",
        "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,)} | structured dtypes are not supported",
        "{'descr': '<f4', 'fortran_order': 0, 'shape': (6,)} | 'fortran_order' is the number 0, expected True or False",
        "{'descr': '<f4', 'fortran_order': 'no', 'shape': (6,)} | 'fortran_order' is the string 'no'",
        "{'descr': '<f4', 'fortran_order': False, 'shape': [6]} | is a list",
        "{'descr': '<f4', 'fortran_order': False, 'shape': 6} | 'shape' is the number 6",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6)} | a 1-tuple needs a trailing comma",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)} | negative dimension -6",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3),} junk | text after the dict",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2 3)} | expected ',' or ')'",
        "{'descr': '<f4, 'fortran_order': False, 'shape': (6,)} | expected ',' or '}'",
        "{'descr': 'f\\4', 'fortran_order': False, 'shape': (6,)} | escape",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)} | out of range",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000,)} | exceeds the largest array",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000)} | more than 2147483639 elements",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (6,) | expected ',' or '}'",
    })
    void badHeaderDicts(String dict, String message) {
        assertRejected(npy(dict, f32(1, 2, 3, 4, 5, 6)), message.strip());
    }

    @ParameterizedTest
    @ValueSource(strings = {"<u2", "|b1", "<c8", "|O", "<U3", "|i1", "<M8[s]", "f4", "", "<f16", "|V4"})
    void unsupportedDtypes(String descr) {
        assertRejected(npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (6,), }", f32(1, 2, 3, 4, 5, 6)),
                "unsupported dtype '" + descr + "'");
    }

    @Test
    void shapeAndDataSizeMustAgree() {
        assertRejected(npy(F4_23, f32(1, 2, 3, 4, 5)), "data truncated: shape [2, 3] of <f4 needs 24 bytes, only 20");
        assertRejected(npy(F4_23, f32(1, 2, 3, 4, 5, 6, 7)), "4 bytes of trailing data");
        // a huge declared shape fails before any allocation
        assertRejected(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (50000, 40000), }", new byte[8]),
                "needs 16000000000 bytes, only 8");
    }

    @Test
    void zeroSizeAndScalarsAreLegal() throws IOException {
        NpyArray e = Npy.read(npy("{'descr': '<i8', 'fortran_order': True, 'shape': (0, 3), }", new byte[0]));
        assertThat(e.shape()).containsExactly(0, 3);
        assertThat(e.longs()).isEmpty();
        NpyArray s = Npy.read(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (), }",
                ByteBuffer.allocate(4).putFloat(-2.5f).array()));
        assertThat(s.shape()).isEmpty();
        assertThat(s.floats()).containsExactly(-2.5f);
        assertThat(List.of(s.toString())).allMatch(x -> x.contains("f4"));
    }
}
