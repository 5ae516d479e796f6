package dev.jrnn.nn;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent double-precision reference of backprop-through-time for PyTorch's RNN, written as
 * plainly as possible: its own forward (per-step {@code x·Wᵀ + b}, optional dropout multipliers between
 * layers), then a per-step backward that accumulates every gradient element by element. No GEMM and no
 * code shared with the library. The loss is {@code Σ output⊙gOut + Σ h_n⊙gHn}.
 */
final class RnnGradReference {

    final double[] output;                  // (L, N, D·H) time-major
    final double[] hN;                      // (D·layers, N, H)
    final Map<String, double[]> paramGrads;  // torch names → gradient, row-major
    final double[] input;                   // (L, N, F) time-major
    final double[] h0;                      // (D·layers, N, H)

    private RnnGradReference(double[] output, double[] hN, Map<String, double[]> paramGrads, double[] input,
                             double[] h0) {
        this.output = output;
        this.hN = hN;
        this.paramGrads = paramGrads;
        this.input = input;
        this.h0 = h0;
    }

    /**
     * @param params torch names → row-major values
     * @param x (L, N, F) time-major
     * @param h0 (D·layers, N, H) or null (zeros)
     * @param gOut (L, N, D·H) or null (zeros)
     * @param gHn (D·layers, N, H) or null (zeros)
     * @param dropMul per layer below the top: (L, N, D·H) multipliers (0 or 1/(1−p)) applied to that
     *     layer's output before the next layer, or null for none
     */
    static RnnGradReference run(boolean relu, int layers, boolean bidirectional, int hidden, boolean bias,
                                Map<String, double[]> params, double[] x, int seqLen, int batch, int inputSize,
                                double[] h0, double[] gOut, double[] gHn, double[][] dropMul) {
        int dirs = bidirectional ? 2 : 1;
        int dh = dirs * hidden;
        double[][] ins = new double[layers][];
        double[][] outs = new double[layers][];
        double[] hN = new double[dirs * layers * batch * hidden];
        double[] in = x;
        for (int layer = 0; layer < layers; layer++) {
            int inSize = layer == 0 ? inputSize : dh;
            ins[layer] = in;
            double[] out = new double[seqLen * batch * dh];
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                double[] wih = params.get("weight_ih" + sfx);
                double[] whh = params.get("weight_hh" + sfx);
                int grp = layer * dirs + d;
                double[] h = initial(h0, grp, batch, hidden);
                for (int s = 0; s < seqLen; s++) {
                    int t = d == 0 ? s : seqLen - 1 - s;
                    double[] next = new double[batch * hidden];
                    for (int n = 0; n < batch; n++) {
                        for (int j = 0; j < hidden; j++) {
                            double a = bias ? params.get("bias_ih" + sfx)[j] + params.get("bias_hh" + sfx)[j] : 0;
                            for (int f = 0; f < inSize; f++) {
                                a += in[(t * batch + n) * inSize + f] * wih[j * inSize + f];
                            }
                            for (int k = 0; k < hidden; k++) {
                                a += h[n * hidden + k] * whh[j * hidden + k];
                            }
                            next[n * hidden + j] = relu ? Math.max(a, 0) : Math.tanh(a);
                        }
                    }
                    h = next;
                    for (int n = 0; n < batch; n++) {
                        System.arraycopy(h, n * hidden, out, (t * batch + n) * dh + d * hidden, hidden);
                    }
                }
                System.arraycopy(h, 0, hN, grp * batch * hidden, batch * hidden);
            }
            outs[layer] = out;
            if (layer < layers - 1 && dropMul != null && dropMul[layer] != null) {
                double[] dropped = new double[out.length];
                for (int i = 0; i < out.length; i++) {
                    dropped[i] = out[i] * dropMul[layer][i];
                }
                in = dropped;
            } else {
                in = out;
            }
        }

        Map<String, double[]> grads = new LinkedHashMap<>();
        params.forEach((k, v) -> grads.put(k, new double[v.length]));
        double[] gH0 = new double[hN.length];
        double[] dOut = gOut == null ? new double[seqLen * batch * dh] : gOut.clone();
        double[] gInput = null;
        for (int layer = layers - 1; layer >= 0; layer--) {
            int inSize = layer == 0 ? inputSize : dh;
            double[] lin = ins[layer];
            double[] out = outs[layer];
            double[] dIn = new double[seqLen * batch * inSize];
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                double[] wih = params.get("weight_ih" + sfx);
                double[] whh = params.get("weight_hh" + sfx);
                double[] gWih = grads.get("weight_ih" + sfx);
                double[] gWhh = grads.get("weight_hh" + sfx);
                int grp = layer * dirs + d;
                double[] h0g = initial(h0, grp, batch, hidden);
                double[] dhRun = initial(gHn, grp, batch, hidden);
                for (int s = 0; s < seqLen; s++) {
                    int t = d == 0 ? seqLen - 1 - s : s;
                    int tPrev = d == 0 ? t - 1 : t + 1;
                    boolean fromH0 = tPrev < 0 || tPrev >= seqLen;
                    double[] next = new double[batch * hidden];
                    for (int n = 0; n < batch; n++) {
                        for (int j = 0; j < hidden; j++) {
                            int o = (t * batch + n) * dh + d * hidden + j;
                            double g = dhRun[n * hidden + j] + dOut[o];
                            double y = out[o];
                            double da = relu ? (y > 0 ? g : 0) : g * (1 - y * y);
                            for (int f = 0; f < inSize; f++) {
                                gWih[j * inSize + f] += da * lin[(t * batch + n) * inSize + f];
                                dIn[(t * batch + n) * inSize + f] += da * wih[j * inSize + f];
                            }
                            for (int k = 0; k < hidden; k++) {
                                double hp = fromH0 ? h0g[n * hidden + k] : out[(tPrev * batch + n) * dh + d * hidden + k];
                                gWhh[j * hidden + k] += da * hp;
                                next[n * hidden + k] += da * whh[j * hidden + k];
                            }
                            if (bias) {
                                grads.get("bias_ih" + sfx)[j] += da;
                                grads.get("bias_hh" + sfx)[j] += da;
                            }
                        }
                    }
                    dhRun = next;
                }
                System.arraycopy(dhRun, 0, gH0, grp * batch * hidden, batch * hidden);
            }
            if (layer > 0) {
                if (dropMul != null && dropMul[layer - 1] != null) {
                    for (int i = 0; i < dIn.length; i++) {
                        dIn[i] *= dropMul[layer - 1][i];
                    }
                }
                dOut = dIn;
            } else {
                gInput = dIn;
            }
        }
        return new RnnGradReference(in, hN, grads, gInput, gH0);
    }

    /** The loss {@code Σ output⊙gOut + Σ h_n⊙gHn} of this forward. */
    double loss(double[] gOut, double[] gHn) {
        double l = 0;
        for (int i = 0; gOut != null && i < output.length; i++) {
            l += output[i] * gOut[i];
        }
        for (int i = 0; gHn != null && i < hN.length; i++) {
            l += hN[i] * gHn[i];
        }
        return l;
    }

    private static double[] initial(double[] all, int grp, int batch, int hidden) {
        double[] h = new double[batch * hidden];
        if (all != null) {
            System.arraycopy(all, grp * batch * hidden, h, 0, batch * hidden);
        }
        return h;
    }
}
