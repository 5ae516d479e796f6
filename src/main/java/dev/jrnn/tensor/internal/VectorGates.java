package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise arithmetic of the GRU and LSTM steps ({@code dev.jrnn.nn.internal.GruStep} and
 * {@code LstmStep}) on whole vectors. Each method does, lane by lane, the multiplications, additions and
 * subtractions of the scalar loop it stands for, in the same order and each rounded to float (no fused
 * multiply-add), so both give the same bits. Each handles the first {@code loopBound(n)} elements and
 * returns that count; the caller's scalar loop does the rest.
 *
 * <p>Why these exist: C2 does not vectorise those scalar loops, because they store into one array and
 * read another at an unrelated offset, and it cannot rule out that the two are the same array. They ran
 * at about 0.4–0.6 ns per element on JDK 25 (design notes, "GRU and LSTM step arithmetic on vectors").
 *
 * <p>References {@code jdk.incubator.vector}: loaded only when {@link Simd#vectorEnabled()} is true. No
 * method takes or returns a vector, and none calls an activation (design notes, "Gathers and the JIT").
 */
public final class VectorGates {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorGates() {
    }

    /**
     * GRU forward, candidate pre-activation: {@code hn = gh_n + b_hn} (or {@code gh_n} when {@code bhn}
     * is null), stored to {@code ghn} unless it is null, then {@code gi_n = gi_n + gi_r * hn}.
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int gruCandidate(float[] gi, int rOff, int nOff, float[] gh, int ghnIn, float[] bhn, int bOff,
                                   float[] ghn, int ghnOff, int n) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector hn = FloatVector.fromArray(F, gh, ghnIn + j);
            if (bhn != null) {
                hn = hn.add(FloatVector.fromArray(F, bhn, bOff + j));
            }
            if (ghn != null) {
                hn.intoArray(ghn, ghnOff + j);
            }
            FloatVector r = FloatVector.fromArray(F, gi, rOff + j);
            FloatVector.fromArray(F, gi, nOff + j).add(r.mul(hn)).intoArray(gi, nOff + j);
        }
        return bound;
    }

    /**
     * GRU forward, new state: {@code h' = (hPrev - n) * z + n}, with {@code 0 - n} when {@code hPrev} is
     * null.
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int gruState(float[] gates, int zOff, int nOff, float[] hPrev, int hPrevOff, float[] h, int hOff,
                               int n) {
        int bound = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector nv = FloatVector.fromArray(F, gates, nOff + j);
            FloatVector hp = hPrev == null ? zero : FloatVector.fromArray(F, hPrev, hPrevOff + j);
            hp.sub(nv).mul(FloatVector.fromArray(F, gates, zOff + j)).add(nv).intoArray(h, hOff + j);
        }
        return bound;
    }

    /**
     * GRU backward of one row, the loop of {@code GruStep.backward}: with {@code d = dh + dOut},
     * {@code dan = d * (1 - z) * (1 - n * n)}, {@code dar = dan * ghn * (r * (1 - r))},
     * {@code daz = d * (hp - n) * (z * (1 - z))}; writes {@code dGi = [dar | daz | dan]},
     * {@code dGh = [dar | daz | dan * r]} and {@code dh = d * z}.
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int gruBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] gates, int gOff,
                                  float[] ghn, int ghnOff, float[] hPrev, int hPrevOff,
                                  float[] dGi, float[] dGh, int dOff, int hidden) {
        int bound = F.loopBound(hidden);
        int h = hidden;
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector r = FloatVector.fromArray(F, gates, gOff + j);
            FloatVector z = FloatVector.fromArray(F, gates, gOff + h + j);
            FloatVector nv = FloatVector.fromArray(F, gates, gOff + 2 * h + j);
            FloatVector hp = hPrev == null ? zero : FloatVector.fromArray(F, hPrev, hPrevOff + j);
            FloatVector d = FloatVector.fromArray(F, dh, dhOff + j).add(FloatVector.fromArray(F, dOut, dOutOff + j));
            FloatVector dan = d.mul(one.sub(z)).mul(one.sub(nv.mul(nv)));
            FloatVector dar = dan.mul(FloatVector.fromArray(F, ghn, ghnOff + j)).mul(r.mul(one.sub(r)));
            FloatVector daz = d.mul(hp.sub(nv)).mul(z.mul(one.sub(z)));
            dar.intoArray(dGi, dOff + j);
            daz.intoArray(dGi, dOff + h + j);
            dan.intoArray(dGi, dOff + 2 * h + j);
            dar.intoArray(dGh, dOff + j);
            daz.intoArray(dGh, dOff + h + j);
            dan.mul(r).intoArray(dGh, dOff + 2 * h + j);
            d.mul(z).intoArray(dh, dhOff + j);
        }
        return bound;
    }

    /**
     * LSTM forward, cell state: {@code c' = f * cPrev + i * g}, with {@code 0 + i * g} when {@code cPrev}
     * is null. {@code cPrev} may be {@code c} at the same offset (in place): each vector of it is loaded
     * before the same vector of {@code c'} is stored.
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int lstmCell(float[] gates, int iOff, int fOff, int gOff, float[] cPrev, int cPrevOff, float[] c,
                               int cOff, int n) {
        int bound = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector fc = cPrev == null ? zero
                    : FloatVector.fromArray(F, gates, fOff + j).mul(FloatVector.fromArray(F, cPrev, cPrevOff + j));
            FloatVector ig = FloatVector.fromArray(F, gates, iOff + j).mul(FloatVector.fromArray(F, gates, gOff + j));
            fc.add(ig).intoArray(c, cOff + j);
        }
        return bound;
    }

    /**
     * {@code dst = a * dst}, element by element (the LSTM's {@code h̃ = o * tanh(c')}, in place).
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int mulInto(float[] a, int aOff, float[] dst, int dstOff, int n) {
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector.fromArray(F, a, aOff + j).mul(FloatVector.fromArray(F, dst, dstOff + j)).intoArray(dst, dstOff + j);
        }
        return bound;
    }

    /**
     * LSTM backward of one row, the loop of {@code LstmStep.backward}: with {@code t = tanh(c')} and
     * {@code d = dc + dht * o * (1 - t * t)}, writes {@code dA = [d * g * (i * (1 - i)) |
     * d * cp * (f * (1 - f)) | d * i * (1 - g * g) | dht * t * (o * (1 - o))]} and {@code dc = d * f}.
     *
     * @return the number of leading elements done, a multiple of the vector length
     */
    public static int lstmBackward(float[] dhTilde, int dhOff, float[] dc, int dcOff, float[] gates, int gOff,
                                   float[] cPrev, int cPrevOff, float[] tanhC, int tanhCOff,
                                   float[] dA, int dAOff, int hidden) {
        int bound = F.loopBound(hidden);
        int h = hidden;
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < bound; j += F.length()) {
            FloatVector i = FloatVector.fromArray(F, gates, gOff + j);
            FloatVector f = FloatVector.fromArray(F, gates, gOff + h + j);
            FloatVector g = FloatVector.fromArray(F, gates, gOff + 2 * h + j);
            FloatVector o = FloatVector.fromArray(F, gates, gOff + 3 * h + j);
            FloatVector t = FloatVector.fromArray(F, tanhC, tanhCOff + j);
            FloatVector dht = FloatVector.fromArray(F, dhTilde, dhOff + j);
            FloatVector d = FloatVector.fromArray(F, dc, dcOff + j).add(dht.mul(o).mul(one.sub(t.mul(t))));
            FloatVector cp = cPrev == null ? zero : FloatVector.fromArray(F, cPrev, cPrevOff + j);
            d.mul(g).mul(i.mul(one.sub(i))).intoArray(dA, dAOff + j);
            d.mul(cp).mul(f.mul(one.sub(f))).intoArray(dA, dAOff + h + j);
            d.mul(i).mul(one.sub(g.mul(g))).intoArray(dA, dAOff + 2 * h + j);
            dht.mul(t).mul(o.mul(one.sub(o))).intoArray(dA, dAOff + 3 * h + j);
            d.mul(f).intoArray(dc, dcOff + j);
        }
        return bound;
    }
}
