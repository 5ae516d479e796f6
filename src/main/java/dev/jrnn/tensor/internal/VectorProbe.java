package dev.jrnn.tensor.internal;

import jdk.incubator.vector.FloatVector;

/**
 * Touches the Vector API. Loaded only by {@link Simd} after it found {@code jdk.incubator.vector}.
 */
final class VectorProbe {

    private VectorProbe() {
    }

    static int preferredFloatLanes() {
        return FloatVector.SPECIES_PREFERRED.length();
    }
}
