package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** The JDK's own {@code lanewise(TANH/EXP)}, measured for comparison only (used by {@link UlpSweep}). */
final class VectorLanewise {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorLanewise() {
    }

    static void tanh(float[] s, float[] d, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, s, i).lanewise(VectorOperators.TANH).intoArray(d, i);
        }
        for (; i < n; i++) {
            d[i] = (float) Math.tanh(s[i]);
        }
    }

    static void exp(float[] s, float[] d, int n) {
        int i = 0;
        for (; i < F.loopBound(n); i += F.length()) {
            FloatVector.fromArray(F, s, i).lanewise(VectorOperators.EXP).intoArray(d, i);
        }
        for (; i < n; i++) {
            d[i] = (float) Math.exp(s[i]);
        }
    }
}
