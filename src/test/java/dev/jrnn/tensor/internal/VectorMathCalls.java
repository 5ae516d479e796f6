package dev.jrnn.tensor.internal;

/**
 * Test-side trampolines to {@link VectorMath}; only invoked after {@link Simd#vectorEnabled()}, so
 * the scalar test pass never loads a Vector API class.
 */
final class VectorMathCalls {

    private VectorMathCalls() {
    }

    static void exp(float[] s, int so, float[] d, int dO, int n) {
        VectorMath.exp(s, so, d, dO, n);
    }

    static void tanh(float[] s, int so, float[] d, int dO, int n) {
        VectorMath.tanh(s, so, d, dO, n);
    }

    static void sigmoid(float[] s, int so, float[] d, int dO, int n) {
        VectorMath.sigmoid(s, so, d, dO, n);
    }

    static void relu(float[] s, int so, float[] d, int dO, int n) {
        VectorMath.relu(s, so, d, dO, n);
    }

    static void tanhBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                             float[] dA, int dAOff, int n) {
        VectorMath.tanhBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
    }

    static void reluBackward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] h, int hOff,
                             float[] dA, int dAOff, int n) {
        VectorMath.reluBackward(dh, dhOff, dOut, dOutOff, h, hOff, dA, dAOff, n);
    }
}
