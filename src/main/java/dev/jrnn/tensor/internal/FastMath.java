package dev.jrnn.tensor.internal;

/**
 * Scalar float {@code exp}, {@code tanh} and {@code sigmoid} built from a polynomial and range
 * reduction, accurate to at most 2 ulp of the correctly rounded result (measured; see
 * {@code docs/design-notes.md}, "Fast float math"). {@link VectorMath} runs the very same operation
 * sequence lane-wise, so both paths give bitwise identical results.
 *
 * <p>Algorithms (every {@code fma} is {@link Math#fma(float, float, float)}, i.e. a single rounding):
 * <ul>
 *   <li>{@code exp(x)}: clamp {@code x} to {@code [-104, 89]} (NaN passes through);
 *       {@code k = rint(x / ln 2)} via the {@code 1.5 * 2^23} trick; {@code r = x - k ln2} with a
 *       two-part (Cody-Waite) {@code ln 2}, {@code |r| <= ln2 / 2}; {@code exp(r) = 1 + r + r^2 P(r)}
 *       with Cephes' degree-5 {@code expf} polynomial; scaling by {@code 2^k} as two exact
 *       multiplications by {@code 2^(k >> 1)} and {@code 2^(k - (k >> 1))}, so overflow gives
 *       {@code +inf} and gradual underflow rounds once.</li>
 *   <li>{@code tanh(x)}: for {@code |x| < 0.55}, {@code x + x^3 Q(x^2)} with a degree-5 least-squares
 *       fit of {@code Q} (relative error 5e-9 before rounding; tiny {@code x} and {@code ±0} return
 *       {@code x}); otherwise {@code sign(x) (1 - 2 / (exp(2|x|) + 1))}, which saturates to
 *       {@code ±1} for large {@code |x|}.</li>
 *   <li>{@code sigmoid(x)}: {@code e = exp(-|x|)}; {@code 1 / (1 + e)} for {@code x >= 0},
 *       {@code e / (1 + e)} for {@code x < 0} (no overflow, subnormal results for very negative x).</li>
 * </ul>
 *
 * <p>Thread-safe: stateless.
 */
public final class FastMath {

    static final float LOG2E = 1.44269504088896341f;
    static final float LN2_HI = 0.693145751953125f;          // 0x3f317200, 16 significant bits
    static final float LN2_LO = 1.428606765330187045e-06f;   // ln2 - LN2_HI
    static final float ROUND_MAGIC = 12582912f;              // 1.5 * 2^23
    static final int MAGIC_BITS = Float.floatToRawIntBits(ROUND_MAGIC);
    static final float EXP_MIN_ARG = -104f;
    static final float EXP_MAX_ARG = 89f;

    // Cephes expf: exp(r) = 1 + r + r^2 * (E0 + E1 r + ... + E5 r^5) on |r| <= ln2 / 2
    static final float E5 = 1.9875691500e-4f;
    static final float E4 = 1.3981999507e-3f;
    static final float E3 = 8.3334519073e-3f;
    static final float E2 = 4.1665795894e-2f;
    static final float E1 = 1.6666665459e-1f;
    static final float E0 = 5.0000001201e-1f;

    // tanh(x) = x + x^3 * (T0 + T1 z + ... + T5 z^5), z = x^2, on |x| <= 0.5625
    static final float T5 = 0.0023594640661031008f;
    static final float T4 = -0.008384301327168941f;
    static final float T3 = 0.02177398093044758f;
    static final float T2 = -0.053958483040332794f;
    static final float T1 = 0.13333287835121155f;
    static final float T0 = -0.3333333134651184f;

    /** Below this |x| tanh uses the odd polynomial; tanh(0.55) > 0.5 so the other branch never cancels. */
    static final float TANH_POLY_LIMIT = 0.55f;

    private FastMath() {
    }

    /**
     * {@return {@code e^x} rounded to within 2 ulp; NaN for NaN, {@code +inf} above about 88.72,
     * {@code +0} below about -103.97}
     *
     * @param x the argument
     */
    public static float exp(float x) {
        float xc = Math.min(Math.max(x, EXP_MIN_ARG), EXP_MAX_ARG);
        float t = Math.fma(xc, LOG2E, ROUND_MAGIC); // rounds x / ln2 to an integer k held in t's low bits
        float kf = t - ROUND_MAGIC;
        float r = Math.fma(kf, -LN2_HI, xc);
        r = Math.fma(kf, -LN2_LO, r);
        float p = Math.fma(E5, r, E4);
        p = Math.fma(p, r, E3);
        p = Math.fma(p, r, E2);
        p = Math.fma(p, r, E1);
        p = Math.fma(p, r, E0);
        float y = Math.fma(p, r * r, r) + 1f;
        int k = Float.floatToRawIntBits(t) - MAGIC_BITS;
        int k1 = k >> 1;
        float s1 = Float.intBitsToFloat((k1 + 127) << 23);
        float s2 = Float.intBitsToFloat((k - k1 + 127) << 23);
        return y * s1 * s2;
    }

    /**
     * {@return {@code tanh(x)} rounded to within 2 ulp; keeps the sign of zero, {@code ±1} for large
     * {@code |x|}, NaN for NaN}
     *
     * @param x the argument
     */
    public static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < TANH_POLY_LIMIT) {
            float z = x * x;
            float q = Math.fma(T5, z, T4);
            q = Math.fma(q, z, T3);
            q = Math.fma(q, z, T2);
            q = Math.fma(q, z, T1);
            q = Math.fma(q, z, T0);
            return Math.copySign(Math.fma(x * z, q, x), x); // copySign keeps tanh(-0) = -0
        }
        float e = exp(ax + ax);
        return Math.copySign(1f - 2f / (e + 1f), x);
    }

    /**
     * {@return {@code 1 / (1 + e^-x)} rounded to within 2 ulp; 0.5 at {@code ±0}, 1 at {@code +inf},
     * 0 at {@code -inf}, NaN for NaN}
     *
     * @param x the argument
     */
    public static float sigmoid(float x) {
        float e = exp(-Math.abs(x));
        float d = 1f + e;
        float dl = (1f - d) + e;                  // exact rounding error of d (Fast2Sum, 1 >= e)
        float q = (x < 0f ? e : 1f) / d;
        return Math.fma(-q, dl / d, q);           // q * (1 - dl / d) ~ num / (d + dl)
    }

    /**
     * {@return {@code max(x, 0)}: NaN stays NaN and {@code -0} becomes {@code +0}}
     *
     * @param x the argument
     */
    public static float relu(float x) {
        return x <= 0f ? 0f : x;
    }

    /**
     * Writes {@code exp(src[srcOff + i])} to {@code dst[dstOff + i]} for {@code i < n}.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified; may be {@code src} with {@code dstOff == srcOff}
     * @param dstOff first output index
     * @param n number of elements
     */
    public static void exp(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = exp(src[srcOff + i]);
        }
    }

    /**
     * Writes {@code tanh(src[srcOff + i])} to {@code dst[dstOff + i]} for {@code i < n}.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified; may be {@code src} with {@code dstOff == srcOff}
     * @param dstOff first output index
     * @param n number of elements
     */
    public static void tanh(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = tanh(src[srcOff + i]);
        }
    }

    /**
     * Writes {@code sigmoid(src[srcOff + i])} to {@code dst[dstOff + i]} for {@code i < n}.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified; may be {@code src} with {@code dstOff == srcOff}
     * @param dstOff first output index
     * @param n number of elements
     */
    public static void sigmoid(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = sigmoid(src[srcOff + i]);
        }
    }

    /**
     * Writes {@code relu(src[srcOff + i])} to {@code dst[dstOff + i]} for {@code i < n}.
     *
     * @param src the input, not modified
     * @param srcOff first input index
     * @param dst the output, modified; may be {@code src} with {@code dstOff == srcOff}
     * @param dstOff first output index
     * @param n number of elements
     */
    public static void relu(float[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = relu(src[srcOff + i]);
        }
    }

    /** {@link Activations#addRows}, one element at a time. */
    public static void addRows(float[] a, int aOff, float[] row, int rowOff, int rows, int g) {
        for (int r = 0; r < rows; r++) {
            int o = aOff + r * g;
            for (int j = 0; j < g; j++) {
                a[o + j] += row[rowOff + j];
            }
        }
    }

    /** The accumulation of {@link Activations#columnSums}: {@code acc[j] += a[...]}, row by row. */
    public static void columnSums(float[] a, int aOff, int rows, int cols, double[] acc) {
        for (int r = 0; r < rows; r++) {
            int o = aOff + r * cols;
            for (int j = 0; j < cols; j++) {
                acc[j] += a[o + j];
            }
        }
    }

    /** {@link Activations#tanhBackward}, one element at a time. */
    public static void tanhBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        for (int i = 0; i < n; i++) {
            float y = h[hOff + i];
            dA[dAOff + i] = (dh[dhOff + i] + dOut[dOutOff + i]) * (1f - y * y);
        }
    }

    /** {@link Activations#reluBackward}, one element at a time. */
    public static void reluBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                                    float[] dA, int dAOff, int n) {
        for (int i = 0; i < n; i++) {
            dA[dAOff + i] = h[hOff + i] <= 0f ? 0f : dh[dhOff + i] + dOut[dOutOff + i];
        }
    }
}
