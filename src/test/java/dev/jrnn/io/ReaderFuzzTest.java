package dev.jrnn.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jrnn.interop.ModelFiles;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.RNNConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer for the file readers ({@link Safetensors#read(byte[])}, {@link Npy#read(byte[])},
 * {@link Npz#read(Path)}, {@link ModelFiles#load(Path)}): valid files are mutated (bit flips, byte
 * insertions and deletions, truncation, overwriting with digits to make huge shapes and offsets, and
 * textual header edits) and each mutant must either load or fail with an {@link IOException}, within
 * a per-input timeout (no hang) and without any other throwable (no OOM, no runtime exception).
 *
 * <p>System properties: {@code jrnn.fuzz.tries} (mutants per seed file, default 150) and
 * {@code jrnn.fuzz.seed} (default 20261127). A failing input is written to {@code target/fuzz-failures/}.
 * A long campaign: {@code mvn -B test -Dtest=ReaderFuzzTest -Djrnn.fuzz.tries=100000 -Djrnn.fuzz.seed=$RANDOM}.
 */
class ReaderFuzzTest {

    private static final int TRIES = Integer.getInteger("jrnn.fuzz.tries", 150);
    private static final long SEED = Long.getLong("jrnn.fuzz.seed", 20261127L);
    private static final Duration PER_INPUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    interface Reader {
        void read(byte[] bytes) throws IOException;
    }

    @Test
    void safetensors() throws Exception {
        for (String seed : List.of("/fixtures/io/dtypes.safetensors", "/fixtures/nonfinite/lstm_proj_bi_in_nan.safetensors")) {
            fuzz("safetensors", resource(seed), Safetensors::read);
        }
    }

    @Test
    void npy() throws Exception {
        for (String seed : List.of("/fixtures/io/npy/f4_2d.npy", "/fixtures/io/npy/f4_0d.npy", "/fixtures/io/npy/f2_2d.npy")) {
            fuzz("npy", resource(seed), Npy::read);
        }
    }

    @Test
    void npz() throws Exception {
        for (String seed : List.of("/fixtures/io/npz/plain.npz", "/fixtures/io/npz/compressed.npz")) {
            fuzz("npz", resource(seed), bytes -> {
                Path p = Files.write(tmp.resolve("fuzz.npz"), bytes);
                Npz.read(p, 1L << 24);
            });
        }
    }

    @Test
    void modelFiles() throws Exception {
        Path model = tmp.resolve("model.safetensors");
        ModelFiles.save(new LSTM(RNNConfig.lstm(3, 4).withProjSize(2).withBidirectional(true), 3L), model,
                Map.of("seed", "3"));
        fuzz("modelfiles", Files.readAllBytes(model), bytes -> {
            Path p = Files.write(tmp.resolve("fuzz.safetensors"), bytes);
            ModelFiles.load(p);
        });
    }

    private void fuzz(String target, byte[] valid, Reader reader) throws IOException {
        valid.clone();
        reader.read(valid);   // the seed itself loads
        SplittableRandom rng = new SplittableRandom(SEED ^ target.hashCode() ^ valid.length);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < TRIES; i++) {
            byte[] mutant = mutate(valid, rng);
            Throwable t = run(reader, mutant);
            if (t != null) {
                Path dir = Path.of("target", "fuzz-failures");
                Files.createDirectories(dir);
                Path f = dir.resolve(target + "-" + SEED + "-" + i + ".bin");
                Files.write(f, mutant);
                failures.add(f + ": " + t);
                if (failures.size() >= 5) {
                    break;
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(target + ": inputs escaped with something other than an IOException:\n" + String.join("\n", failures));
        }
    }

    /** {@return null when the reader loaded the input or threw an IOException, else the throwable} */
    private static Throwable run(Reader reader, byte[] mutant) {
        Throwable[] escaped = new Throwable[1];
        try {
            assertTimeoutPreemptively(PER_INPUT, () -> {
                try {
                    reader.read(mutant);
                } catch (IOException expected) {
                    // documented failure mode
                } catch (Throwable other) {
                    escaped[0] = other;
                }
            });
        } catch (Throwable timeout) {
            return timeout;
        }
        return escaped[0];
    }

    static byte[] mutate(byte[] valid, SplittableRandom rng) {
        byte[] b = valid.clone();
        int rounds = 1 + rng.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            int headerEnd = Math.min(b.length, 160);   // most mutations aim at the header
            int pos = b.length == 0 ? 0 : rng.nextInt(rng.nextInt(4) == 0 ? b.length : Math.max(1, headerEnd));
            switch (rng.nextInt(7)) {
                case 0:   // bit flip
                    if (b.length > 0) {
                        b[pos] ^= (byte) (1 << rng.nextInt(8));
                    }
                    break;
                case 1: { // insert bytes
                    int n = 1 + rng.nextInt(8);
                    byte[] c = new byte[b.length + n];
                    System.arraycopy(b, 0, c, 0, pos);
                    for (int k = 0; k < n; k++) {
                        c[pos + k] = (byte) rng.nextInt(256);
                    }
                    System.arraycopy(b, pos, c, pos + n, b.length - pos);
                    b = c;
                    break;
                }
                case 2: { // delete bytes
                    int n = Math.min(b.length - pos, 1 + rng.nextInt(8));
                    byte[] c = new byte[b.length - n];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(b, pos + n, c, pos, b.length - pos - n);
                    b = c;
                    break;
                }
                case 3:   // truncate
                    b = java.util.Arrays.copyOf(b, rng.nextInt(b.length + 1));
                    break;
                case 4: { // overwrite a run of digits with a huge number (shapes, offsets, lengths)
                    String huge = rng.nextBoolean() ? "99999999999" : rng.nextBoolean() ? "2147483647" : "-1";
                    int at = findDigit(b, pos);
                    if (at >= 0) {
                        byte[] h = huge.getBytes(StandardCharsets.US_ASCII);
                        System.arraycopy(h, 0, b, at, Math.min(h.length, b.length - at));
                    }
                    break;
                }
                case 5:   // little-endian length fields: max out a byte of the first 16
                    if (b.length > 0) {
                        b[rng.nextInt(Math.min(16, b.length))] = (byte) 0xFF;
                    }
                    break;
                default: { // textual header edit: swap one structural character
                    byte[] chars = "{}[]\":,'() 0".getBytes(StandardCharsets.US_ASCII);
                    if (b.length > 0) {
                        b[pos] = chars[rng.nextInt(chars.length)];
                    }
                    break;
                }
            }
        }
        return b;
    }

    private static int findDigit(byte[] b, int from) {
        for (int i = 0; i < b.length; i++) {
            int k = (from + i) % b.length;
            if (b[k] >= '0' && b[k] <= '9') {
                return k;
            }
        }
        return -1;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ReaderFuzzTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
