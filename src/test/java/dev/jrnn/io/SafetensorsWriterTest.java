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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer: exact bytes, bit-exact round trips, atomic replacement, argument checks. */
class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesExactlyTheExpectedBytes() {
        String header = "{\"__metadata__\":{\"a\":\"b\"},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}    ";
        assertThat(header.length()).isEqualTo(136);
        byte[] expected = SafetensorsTest.concat(
                new byte[] {(byte) 136, 0, 0, 0, 0, 0, 0, 0},
                header.getBytes(StandardCharsets.US_ASCII),
                new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0},   // 1.0f, -2.0f
                new byte[] {5, 0, 0, 0, 0, 0, 0, 0});                        // 5L
        byte[] got = new SafetensorsWriter().metadata("a", "b")
                .putFloats("x", new float[] {1f, -2f}, 2)
                .putLongs("n", new long[] {5}).toByteArray();
        assertThat(got).isEqualTo(expected);
    }

    @Test
    void emptyWriterWritesAnEmptyObjectPaddedToEight() {
        byte[] got = new SafetensorsWriter().toByteArray();
        assertThat(got).isEqualTo(SafetensorsTest.concat(new byte[] {8, 0, 0, 0, 0, 0, 0, 0},
                "{}      ".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void headerIsPaddedWithSpacesToAMultipleOfEight() throws IOException {
        for (int len = 1; len <= 17; len++) {
            byte[] b = new SafetensorsWriter().putFloats("t".repeat(len), new float[] {1}, 1).toByteArray();
            long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertThat(n % 8).isZero();
            String h = new String(b, 8, (int) n, StandardCharsets.UTF_8);
            assertThat(h.stripTrailing()).endsWith("}");
            assertThat(h.length() - h.stripTrailing().length()).isBetween(0, 7);
            assertThat(h.substring(h.stripTrailing().length())).matches(" *");
            assertThat(Safetensors.read(b).floats("t".repeat(len))).containsExactly(1f);
        }
    }

    @Test
    void roundTripIsBitExact() throws IOException {
        SplittableRandom rng = new SplittableRandom(42);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                           Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
                           Float.intBitsToFloat(0x7fc12345), Float.intBitsToFloat(0xffc00001), 1e-40f};
        float[] random = new float[3 * 5 * 7];
        for (int i = 0; i < random.length; i++) {
            random[i] = Float.intBitsToFloat(rng.nextInt() & 0xbfffffff); // any finite-or-not bit pattern
        }
        long[] longs = {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 123456789012345L};
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format_version", "1");
        meta.put("quote\"back\\slash", "new\nline\ttab\u0001ctl");
        meta.put("unicode é 😀", "ü");
        SafetensorsWriter w = new SafetensorsWriter().metadata(meta)
                .putFloats("special", special, 12)
                .putFloats("random", random, 3, 5, 7)
                .putFloats("scalar", new float[] {3.5f})
                .putFloats("empty", new float[0], 4, 0, 2)
                .putLongs("lengths", longs, 2, 3)
                .putFloats("weight_ih_l0_reverse", new float[] {-1.25f, 2f}, 1, 2);
        Path p = dir.resolve("rt.safetensors");
        w.write(p);
        byte[] bytes = Files.readAllBytes(p);
        assertThat(w.toByteArray()).isEqualTo(bytes);
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        w.writeTo(os);
        assertThat(os.toByteArray()).isEqualTo(bytes);

        SafetensorsFile f = Safetensors.read(p);
        assertThat(f.names()).containsExactly("special", "random", "scalar", "empty", "lengths", "weight_ih_l0_reverse");
        assertThat(f.metadata()).containsExactlyEntriesOf(meta);
        assertBits(f.floats("special"), special);
        assertBits(f.floats("random"), random);
        assertThat(f.shape("random")).containsExactly(3, 5, 7);
        assertThat(f.shape("scalar")).isEmpty();
        assertThat(f.floats("scalar")).containsExactly(3.5f);
        assertThat(f.shape("empty")).containsExactly(4, 0, 2);
        assertThat(f.longs("lengths")).containsExactly(longs);
        assertThat(f.shape("lengths")).containsExactly(2, 3);
        assertThat(f.dtype("lengths")).isEqualTo(SafetensorsFile.Dtype.I64);

        // write(read(x)) == x
        SafetensorsWriter again = new SafetensorsWriter().metadata(f.metadata());
        for (String n : f.names()) {
            if (f.dtype(n).isFloatingPoint()) {
                again.putFloats(n, f.floats(n), f.shape(n));
            } else {
                again.putLongs(n, f.longs(n), f.shape(n));
            }
        }
        assertThat(again.toByteArray()).isEqualTo(bytes);
    }

    @Test
    void tensorMapsRoundTripBitExactlyInMapOrder() throws IOException {
        Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", w);
        m.put("wt", w.t());                                       // a non-contiguous view (3, 2)
        m.put("odd", Tensor.of(new float[] {Float.intBitsToFloat(0x7fc0beef), -0f, Float.MIN_VALUE}, 3));
        m.put("scalar", Tensor.of(new float[] {-2.5f}));
        m.put("empty", Tensor.zeros(0, 3));
        Map<String, String> meta = Map.of("format_version", "1");
        Path p = dir.resolve("m.safetensors");
        Safetensors.write(p, m, meta);

        SafetensorsFile f = Safetensors.read(p);
        assertThat(f.names()).containsExactly("w", "wt", "odd", "scalar", "empty");
        assertThat(f.metadata()).isEqualTo(meta);
        assertThat(f.shape("wt")).containsExactly(3, 2);
        assertThat(f.tensor("wt").toArray()).containsExactly(1, 4, 2, 5, 3, 6);
        for (Map.Entry<String, Tensor> e : f.tensors().entrySet()) {
            Tensor expected = m.get(e.getKey());
            assertThat(e.getValue().shape()).isEqualTo(expected.shape());
            assertBits(e.getValue().toArray(), expected.toArray());
        }
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        Safetensors.write(os, f.tensors(), f.metadata());
        assertThat(os.toByteArray()).isEqualTo(Files.readAllBytes(p));
        assertThatThrownBy(() -> Safetensors.write(dir.resolve("x"), Map.of("__metadata__", w), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rewritingATorchFixtureReproducesItsBytes() throws IOException {
        String res = "/fixtures/rnn/tanh_l2_bi_bias_tm_n3_s6_i5_h7_h0.safetensors";
        byte[] original;
        try (InputStream in = getClass().getResourceAsStream(res)) {
            assertThat(in).as(res).isNotNull();
            original = in.readAllBytes();
        }
        SafetensorsFile f = Safetensors.read(original);
        SafetensorsWriter w = new SafetensorsWriter().metadata(f.metadata());
        for (String n : f.names()) {
            w.putFloats(n, f.floats(n), f.shape(n));
        }
        assertThat(w.toByteArray()).isEqualTo(original);
        ByteArrayOutputStream os = new ByteArrayOutputStream();
        Safetensors.write(os, f.tensors(), f.metadata());
        assertThat(os.toByteArray()).isEqualTo(original);
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Files.writeString(p, "old contents");
        new SafetensorsWriter().putFloats("a", new float[] {1, 2}, 2).write(p);
        assertThat(Safetensors.read(p).floats("a")).containsExactly(1, 2);
        new SafetensorsWriter().putFloats("b", new float[] {3}, 1).write(p);
        assertThat(Safetensors.read(p).names()).containsExactly("b");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("model.safetensors");
        }
    }

    @Test
    void failedWriteLeavesTargetUntouchedAndCleansUp() throws IOException {
        Path target = dir.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "x");
        SafetensorsWriter w = new SafetensorsWriter().putFloats("a", new float[] {1}, 1);
        assertThatThrownBy(() -> w.write(target)).isInstanceOf(IOException.class);
        assertThat(Files.readString(target.resolve("keep.txt"))).isEqualTo("x");
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(x -> x.getFileName().toString())).containsExactly("occupied");
        }
        assertThatThrownBy(() -> w.write(dir.resolve("no-such-dir").resolve("f.safetensors")))
                .isInstanceOf(IOException.class);
    }

    @Test
    void rejectsBadArguments() {
        SafetensorsWriter w = new SafetensorsWriter().putFloats("a", new float[] {1}, 1);
        assertThatThrownBy(() -> w.putFloats("a", new float[] {1}, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tensor 'a' was already added");
        assertThatThrownBy(() -> w.putLongs("__metadata__", new long[] {1}, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'__metadata__' is reserved and cannot name a tensor");
        assertThatThrownBy(() -> w.putFloats("b", new float[] {1, 2, 3}, 2, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("tensor 'b': shape [2, 2] needs 4 values, got 3");
        assertThatThrownBy(() -> w.putFloats("b", new float[0], 2, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'b': shape [2, -1] has a negative size at dim 1");
        // a zero dimension after a product beyond int range is still an empty tensor
        assertThat(readBack(new SafetensorsWriter().putFloats("z", new float[0], 65536, 65536, 0, 3)).shape("z"))
                .containsExactly(65536, 65536, 0, 3);
        assertThatThrownBy(() -> w.putFloats("b", new float[1], 65536, 65536, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'b': shape [65536, 65536, 2] needs more than 2147483647 values, got 1");
        assertThatThrownBy(() -> w.putFloats("bad\ud800", new float[] {1}, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor name has an unpaired surrogate at index 3 and cannot be written as UTF-8");
        assertThatThrownBy(() -> w.metadata("k", "\udc00"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unpaired surrogate at index 0");
        assertThatThrownBy(() -> w.putFloats(null, new float[] {1}, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> w.putFloats("c", null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> w.metadata("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> w.write((Path) null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void putCopiesTheCallersArrays() {
        float[] v = {1, 2};
        int[] shape = {2};
        SafetensorsWriter w = new SafetensorsWriter().putFloats("a", v, shape);
        v[0] = 99;
        shape[0] = 7;
        assertThat(readBack(w).floats("a")).containsExactly(1, 2);
        assertThat(readBack(w).shape("a")).containsExactly(2);
    }

    private static SafetensorsFile readBack(SafetensorsWriter w) {
        try {
            return Safetensors.read(w.toByteArray());
        } catch (SafetensorsFormatException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertBits(float[] got, float[] expected) {
        assertThat(got).hasSameSizeAs(expected);
        for (int i = 0; i < got.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("element %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }
}
