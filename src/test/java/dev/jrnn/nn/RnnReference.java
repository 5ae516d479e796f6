package dev.jrnn.nn;

import java.util.Map;

/**
 * An independent double-precision reference of PyTorch's RNN forward (spec Appendix A), written as
 * plainly as possible: per-step {@code x·Wᵀ + b}, no GEMM, no shared code with the library.
 * Only plain RNN modes (tanh / relu).
 */
final class RnnReference {

    final double[] output;  // (L, N, D·H) time-major
    final double[] hN;      // (D·layers, N, H)

    private RnnReference(double[] output, double[] hN) {
        this.output = output;
        this.hN = hN;
    }

    /**
     * @param params torch names → row-major values
     * @param x (L, N, F) time-major
     * @param h0 (D·layers, N, H) or null
     */
    static RnnReference run(boolean relu, int layers, boolean bidirectional, int hidden, boolean bias,
                            Map<String, double[]> params, double[] x, int seqLen, int batch, int inputSize,
                            double[] h0) {
        int dirs = bidirectional ? 2 : 1;
        double[] in = x;
        int inSize = inputSize;
        double[] hN = new double[dirs * layers * batch * hidden];
        for (int layer = 0; layer < layers; layer++) {
            double[] out = new double[seqLen * batch * dirs * hidden];
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                double[] wih = params.get("weight_ih" + sfx);
                double[] whh = params.get("weight_hh" + sfx);
                double[] bih = bias ? params.get("bias_ih" + sfx) : null;
                double[] bhh = bias ? params.get("bias_hh" + sfx) : null;
                int grp = layer * dirs + d;
                double[] h = new double[batch * hidden];
                if (h0 != null) {
                    System.arraycopy(h0, grp * batch * hidden, h, 0, batch * hidden);
                }
                for (int s = 0; s < seqLen; s++) {
                    int t = d == 0 ? s : seqLen - 1 - s;
                    double[] next = new double[batch * hidden];
                    for (int n = 0; n < batch; n++) {
                        for (int j = 0; j < hidden; j++) {
                            double gi = bias ? bih[j] : 0;
                            for (int f = 0; f < inSize; f++) {
                                gi += in[(t * batch + n) * inSize + f] * wih[j * inSize + f];
                            }
                            double gh = bias ? bhh[j] : 0;
                            for (int k = 0; k < hidden; k++) {
                                gh += h[n * hidden + k] * whh[j * hidden + k];
                            }
                            double a = gi + gh;
                            next[n * hidden + j] = relu ? Math.max(a, 0) : Math.tanh(a);
                        }
                    }
                    h = next;
                    for (int n = 0; n < batch; n++) {
                        System.arraycopy(h, n * hidden, out, (t * batch + n) * dirs * hidden + d * hidden, hidden);
                    }
                }
                System.arraycopy(h, 0, hN, grp * batch * hidden, batch * hidden);
            }
            in = out;
            inSize = dirs * hidden;
        }
        return new RnnReference(in, hN);
    }
}
