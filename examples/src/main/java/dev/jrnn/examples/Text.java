package dev.jrnn.examples;

import dev.jrnn.tensor.Tensor;
import java.util.Arrays;

/**
 * The characters the text tasks read: lower-case letters (with Spanish accents), digits, space and
 * common punctuation; every other character maps to {@code '#'}. {@link #normalise} folds the texts
 * onto this alphabet (lower case, straight quotes), so no task can tell the translations apart by a
 * typographic accident such as curly quotes.
 */
final class Text {

    /** The alphabet, index = code; the last symbol stands for every other character. */
    static final String ALPHABET = " abcdefghijklmnopqrstuvwxyzáéíóúñü0123456789.,;:?!¿¡'\"()-#";
    static final int V = ALPHABET.length();
    private static final int[] CODE = new int[0x10000];

    static {
        Arrays.fill(CODE, V - 1);
        for (int i = 0; i < V; i++) {
            CODE[ALPHABET.charAt(i)] = i;
        }
    }

    private Text() {
    }

    /** {@return the text in lower case, quotes straightened, pilcrows dropped, white space collapsed} */
    static String normalise(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT)
                .replace('\u2018', '\'').replace('\u2019', '\'').replace('\u201C', '"').replace('\u201D', '"')
                .replace("\u00B6", "").replace('\u2014', '-').replace('\u2013', '-');
        return t.replaceAll("\\s+", " ").trim();
    }

    /** {@return the code of a character} */
    static int code(char c) {
        return CODE[c];
    }

    /** {@return the codes of a string's characters} */
    static int[] codes(String s) {
        int[] out = new int[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = CODE[s.charAt(i)];
        }
        return out;
    }

    /** {@return the string of some codes} */
    static String decode(int[] codes, int from, int to) {
        StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            b.append(ALPHABET.charAt(codes[i]));
        }
        return b.toString();
    }

    /** {@return one sequence one-hot, {@code (L, V)}: row {@code t} is the code {@code codes[t]}} */
    static Tensor oneHot(int[] codes) {
        float[] x = new float[codes.length * V];
        for (int t = 0; t < codes.length; t++) {
            x[t * V + codes[t]] = 1f;
        }
        return Tensor.of(x, codes.length, V);
    }

    /**
     * {@return a one-hot batch {@code (L, N, V)}: column {@code n} holds sequence {@code idx[n]}, zero rows after
     * its end (padding)}
     *
     * @param seqs the sequences' codes
     * @param idx which sequences, in batch order
     * @param length L, at least the longest selected sequence
     */
    static Tensor oneHot(int[][] seqs, int[] idx, int length) {
        int n = idx.length;
        float[] x = new float[length * n * V];
        for (int b = 0; b < n; b++) {
            int[] s = seqs[idx[b]];
            for (int t = 0; t < Math.min(length, s.length); t++) {
                x[(t * n + b) * V + s[t]] = 1f;
            }
        }
        return Tensor.of(x, length, n, V);
    }
}
