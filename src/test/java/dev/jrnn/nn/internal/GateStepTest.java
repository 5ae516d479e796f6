package dev.jrnn.nn.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.tensor.internal.Activations;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link GruStep} and {@link LstmStep} against references that round each operation to float in the
 * documented order, element by element ({@code (float) (double op double)}, which for {@code +}, {@code -}
 * and {@code *} of floats is the float operation). Bitwise, on both paths: on the vector path most
 * elements go through {@code VectorGates}, the rest through the scalar tail, so a reordered or fused
 * operation in either shows. Widths around the vector length, inputs with special values, every optional
 * array present and absent, and the elements around each written range must stay untouched.
 *
 * <p>The activations themselves are checked against double references in {@code FastMathTest}; here
 * they are applied with {@link Activations}, as the steps do.
 */
class GateStepTest {

    private static final int[] WIDTHS = {1, 7, 16, 17, 33, 64, 100};
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
        1e-45f, 1f};
    private static final int PAD = 3;
    private static final float SENTINEL = -7.25f;

    private static float add(float a, float b) {
        return (float) ((double) a + (double) b);
    }

    private static float sub(float a, float b) {
        return (float) ((double) a - (double) b);
    }

    private static float mul(float a, float b) {
        return (float) ((double) a * (double) b);
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextInt(6) == 0 ? SPECIAL[rng.nextInt(SPECIAL.length)] : (float) (rng.nextGaussian() * 1.5);
        }
        return v;
    }

    /** An output array: {@code n} elements at {@code PAD}, sentinels around them. */
    private static float[] out(int n) {
        float[] v = new float[n + 2 * PAD];
        Arrays.fill(v, SENTINEL);
        return v;
    }

    private static float[] sigmoid(float[] v) {
        float[] r = v.clone();
        Activations.sigmoid(r, 0, r, 0, r.length);
        return r;
    }

    private static float[] tanh(float[] v) {
        float[] r = v.clone();
        Activations.tanh(r, 0, r, 0, r.length);
        return r;
    }

    /** {@code n} elements of {@code v} from {@code off}. */
    private static float[] slice(float[] v, int off, int n) {
        return Arrays.copyOfRange(v, off, off + n);
    }

    /** The array's written range must equal {@code expected}, and everything else must be untouched. */
    private static void assertWritten(String what, float[] got, int off, float[] expected) {
        assertThat(slice(got, off, expected.length)).as(what).isEqualTo(expected);
        for (int i = 0; i < got.length; i++) {
            if (i < off || i >= off + expected.length) {
                assertThat(got[i]).as(what + " outside the written range, index " + i).isEqualTo(SENTINEL);
            }
        }
    }

    @Test
    void gruForwardRoundsEachOperationInOrder() {
        SplittableRandom rng = TestSupport.rng(31);
        for (int h : WIDTHS) {
            for (int variant = 0; variant < 8; variant++) {
                boolean withPrev = (variant & 1) != 0;
                boolean withBias = (variant & 2) != 0;
                boolean keepGhn = (variant & 4) != 0;
                float[] giIn = random(rng, 3 * h);
                float[] gh = random(rng, 3 * h + 2);
                float[] bhn = withBias ? random(rng, h + 1) : null;
                float[] hPrev = withPrev ? random(rng, h + 4) : null;

                float[] gi = out(3 * h);
                System.arraycopy(giIn, 0, gi, PAD, 3 * h);
                float[] hOut = out(h);
                float[] ghn = keepGhn ? out(h) : null;
                GruStep.forward(gi, PAD, gh, 2, bhn, 1, hPrev, 4, hOut, PAD, ghn, PAD, h);

                float[] pre = new float[2 * h];
                for (int j = 0; j < 2 * h; j++) {
                    pre[j] = add(giIn[j], gh[2 + j]);
                }
                float[] rz = sigmoid(pre);
                float[] hn = new float[h];
                float[] preN = new float[h];
                for (int j = 0; j < h; j++) {
                    hn[j] = withBias ? add(gh[2 + 2 * h + j], bhn[1 + j]) : gh[2 + 2 * h + j];
                    preN[j] = add(giIn[2 * h + j], mul(rz[j], hn[j]));
                }
                float[] n = tanh(preN);
                float[] state = new float[h];
                for (int j = 0; j < h; j++) {
                    float hp = withPrev ? hPrev[4 + j] : 0f;
                    state[j] = add(mul(sub(hp, n[j]), rz[h + j]), n[j]);
                }
                float[] gates = new float[3 * h];
                System.arraycopy(rz, 0, gates, 0, 2 * h);
                System.arraycopy(n, 0, gates, 2 * h, h);
                String what = "GRU forward, H = " + h + ", variant " + variant;
                assertWritten(what + ": gates", gi, PAD, gates);
                assertWritten(what + ": h'", hOut, PAD, state);
                if (keepGhn) {
                    assertWritten(what + ": gh_n + b_hn", ghn, PAD, hn);
                }
            }
        }
    }

    @Test
    void gruBackwardRoundsEachOperationInOrder() {
        SplittableRandom rng = TestSupport.rng(32);
        for (int h : WIDTHS) {
            for (boolean withPrev : new boolean[] {false, true}) {
                float[] dhIn = random(rng, h);
                float[] dOut = random(rng, h + 5);
                float[] gates = random(rng, 3 * h + 1);
                float[] ghn = random(rng, h + 2);
                float[] hPrev = withPrev ? random(rng, h + 3) : null;

                float[] dh = out(h);
                System.arraycopy(dhIn, 0, dh, PAD, h);
                float[] dGi = out(3 * h);
                float[] dGh = out(3 * h);
                GruStep.backward(dh, PAD, dOut, 5, gates, 1, ghn, 2, hPrev, 3, dGi, dGh, PAD, h);

                float[] eGi = new float[3 * h];
                float[] eGh = new float[3 * h];
                float[] eDh = new float[h];
                for (int j = 0; j < h; j++) {
                    float r = gates[1 + j];
                    float z = gates[1 + h + j];
                    float n = gates[1 + 2 * h + j];
                    float hp = withPrev ? hPrev[3 + j] : 0f;
                    float d = add(dhIn[j], dOut[5 + j]);
                    float dan = mul(mul(d, sub(1f, z)), sub(1f, mul(n, n)));
                    float dar = mul(mul(dan, ghn[2 + j]), mul(r, sub(1f, r)));
                    float daz = mul(mul(d, sub(hp, n)), mul(z, sub(1f, z)));
                    eGi[j] = dar;
                    eGi[h + j] = daz;
                    eGi[2 * h + j] = dan;
                    eGh[j] = dar;
                    eGh[h + j] = daz;
                    eGh[2 * h + j] = mul(dan, r);
                    eDh[j] = mul(d, z);
                }
                String what = "GRU backward, H = " + h + (withPrev ? ", h_prev" : ", no h_prev");
                assertWritten(what + ": dGi", dGi, PAD, eGi);
                assertWritten(what + ": dGh", dGh, PAD, eGh);
                assertWritten(what + ": dh", dh, PAD, eDh);
            }
        }
    }

    @Test
    void lstmForwardRoundsEachOperationInOrder() {
        SplittableRandom rng = TestSupport.rng(33);
        for (int h : WIDTHS) {
            for (boolean withPrev : new boolean[] {false, true}) {
                float[] a = random(rng, 4 * h);
                float[] cPrev = withPrev ? random(rng, h + 2) : null;

                float[] gates = out(4 * h);
                System.arraycopy(a, 0, gates, PAD, 4 * h);
                float[] c = out(h);
                float[] hTilde = out(h);
                LstmStep.forward(gates, PAD, cPrev, 2, c, PAD, hTilde, PAD, h);

                float[] ifo = sigmoid(a);   // i, f and o are used; the g block is replaced below
                float[] g = tanh(slice(a, 2 * h, h));
                float[] eGates = ifo.clone();
                System.arraycopy(g, 0, eGates, 2 * h, h);
                float[] eC = new float[h];
                for (int j = 0; j < h; j++) {
                    float fc = withPrev ? mul(ifo[h + j], cPrev[2 + j]) : 0f;
                    eC[j] = add(fc, mul(ifo[j], g[j]));
                }
                float[] tc = tanh(eC);
                float[] eH = new float[h];
                for (int j = 0; j < h; j++) {
                    eH[j] = mul(ifo[3 * h + j], tc[j]);
                }
                String what = "LSTM forward, H = " + h + (withPrev ? ", c_prev" : ", no c_prev");
                assertWritten(what + ": gates", gates, PAD, eGates);
                assertWritten(what + ": c'", c, PAD, eC);
                assertWritten(what + ": h~", hTilde, PAD, eH);

                // in place, as the inference engine runs it: c_prev and c' in one array at one offset
                float[] cInPlace = out(h);
                if (withPrev) {
                    System.arraycopy(cPrev, 2, cInPlace, PAD, h);
                }
                float[] gates2 = out(4 * h);
                System.arraycopy(a, 0, gates2, PAD, 4 * h);
                float[] hTilde2 = out(h);
                LstmStep.forward(gates2, PAD, withPrev ? cInPlace : null, PAD, cInPlace, PAD, hTilde2, PAD, h);
                assertWritten(what + ", in place: c'", cInPlace, PAD, eC);
                assertWritten(what + ", in place: h~", hTilde2, PAD, eH);
            }
        }
    }

    @Test
    void lstmBackwardRoundsEachOperationInOrder() {
        SplittableRandom rng = TestSupport.rng(34);
        for (int h : WIDTHS) {
            for (boolean withPrev : new boolean[] {false, true}) {
                float[] dht = random(rng, h + 1);
                float[] dcIn = random(rng, h);
                float[] gates = random(rng, 4 * h + 2);
                float[] cell = random(rng, h + 3);
                float[] cPrev = withPrev ? random(rng, h + 4) : null;

                float[] dc = out(h);
                System.arraycopy(dcIn, 0, dc, PAD, h);
                float[] tanhC = new float[h + 2];
                float[] dA = out(4 * h);
                LstmStep.backward(dht, 1, dc, PAD, gates, 2, cell, 3, cPrev, 4, tanhC, 2, dA, PAD, h);

                float[] t = tanh(slice(cell, 3, h));
                float[] eA = new float[4 * h];
                float[] eDc = new float[h];
                for (int j = 0; j < h; j++) {
                    float i = gates[2 + j];
                    float f = gates[2 + h + j];
                    float g = gates[2 + 2 * h + j];
                    float o = gates[2 + 3 * h + j];
                    float dh = dht[1 + j];
                    float cp = withPrev ? cPrev[4 + j] : 0f;
                    float d = add(dcIn[j], mul(mul(dh, o), sub(1f, mul(t[j], t[j]))));
                    eA[j] = mul(mul(d, g), mul(i, sub(1f, i)));
                    eA[h + j] = mul(mul(d, cp), mul(f, sub(1f, f)));
                    eA[2 * h + j] = mul(mul(d, i), sub(1f, mul(g, g)));
                    eA[3 * h + j] = mul(mul(dh, t[j]), mul(o, sub(1f, o)));
                    eDc[j] = mul(d, f);
                }
                String what = "LSTM backward, H = " + h + (withPrev ? ", c_prev" : ", no c_prev");
                assertWritten(what + ": dA", dA, PAD, eA);
                assertWritten(what + ": dc", dc, PAD, eDc);
            }
        }
    }
}
