package dev.jrnn.nn;

import java.util.Map;

/**
 * An independent double-precision reference of PyTorch's LSTM (with projection) and GRU forward
 * (spec §3 and Appendix A), written as plainly as possible: per-step {@code x·Wᵀ + b} element by
 * element, no GEMM, no code shared with the library. Its finite differences are the gradient oracle of
 * {@link LSTMTest} and {@link GRUTest}.
 */
final class GatedReference {

    final double[] output;  // (L, N, D·H_out) time-major
    final double[] hN;      // (D·layers, N, H_out)
    final double[] cN;      // (D·layers, N, H), LSTM only (else null)

    private GatedReference(double[] output, double[] hN, double[] cN) {
        this.output = output;
        this.hN = hN;
        this.cN = cN;
    }

    static double sigmoid(double a) {
        return 1 / (1 + Math.exp(-a));
    }

    /**
     * @param cfg an LSTM or GRU configuration
     * @param params torch names → row-major values
     * @param x (L, N, F) time-major
     * @param h0 (D·layers, N, H_out) or null
     * @param c0 (D·layers, N, H) or null (LSTM)
     * @param gruResetBefore GRU only: use the original paper's {@code n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)}
     *     instead of PyTorch's form (to show that the two differ)
     */
    static GatedReference run(RNNConfig cfg, Map<String, double[]> params, double[] x, int seqLen, int batch,
                              double[] h0, double[] c0, boolean gruResetBefore) {
        return run(cfg, params, x, seqLen, batch, h0, c0, gruResetBefore, null);
    }

    /**
     * As above, with dropout between layers.
     *
     * @param dropMul per layer below the top, {@code (L, N, D·H_out)} multipliers (0 or 1/(1−p)) applied to
     *     that layer's output before the next layer reads it, or null for none
     */
    static GatedReference run(RNNConfig cfg, Map<String, double[]> params, double[] x, int seqLen, int batch,
                              double[] h0, double[] c0, boolean gruResetBefore, double[][] dropMul) {
        boolean lstm = cfg.mode() == Mode.LSTM;
        int dirs = cfg.numDirections();
        int hidden = cfg.hiddenSize();
        int hOut = cfg.outputHiddenSize();
        int proj = cfg.projSize();
        int g = cfg.gateSize();
        int layers = cfg.numLayers();
        double[] in = x;
        double[] hN = new double[dirs * layers * batch * hOut];
        double[] cN = lstm ? new double[dirs * layers * batch * hidden] : null;
        for (int layer = 0; layer < layers; layer++) {
            int inSize = cfg.layerInputSize(layer);
            double[] out = new double[seqLen * batch * dirs * hOut];
            for (int d = 0; d < dirs; d++) {
                String sfx = "_l" + layer + (d == 1 ? "_reverse" : "");
                double[] wih = params.get("weight_ih" + sfx);
                double[] whh = params.get("weight_hh" + sfx);
                double[] bih = cfg.bias() ? params.get("bias_ih" + sfx) : new double[g];
                double[] bhh = cfg.bias() ? params.get("bias_hh" + sfx) : new double[g];
                double[] whr = proj > 0 ? params.get("weight_hr" + sfx) : null;
                int grp = layer * dirs + d;
                double[] h = new double[batch * hOut];
                double[] c = new double[batch * hidden];
                if (h0 != null) {
                    System.arraycopy(h0, grp * batch * hOut, h, 0, batch * hOut);
                }
                if (c0 != null) {
                    System.arraycopy(c0, grp * batch * hidden, c, 0, batch * hidden);
                }
                for (int s = 0; s < seqLen; s++) {
                    int t = d == 0 ? s : seqLen - 1 - s;
                    double[] nextH = new double[batch * hOut];
                    for (int n = 0; n < batch; n++) {
                        double[] gi = new double[g];
                        double[] gh = new double[g];
                        for (int j = 0; j < g; j++) {
                            double a = bih[j];
                            for (int f = 0; f < inSize; f++) {
                                a += in[(t * batch + n) * inSize + f] * wih[j * inSize + f];
                            }
                            gi[j] = a;
                            double b = bhh[j];
                            for (int k = 0; k < hOut; k++) {
                                b += h[n * hOut + k] * whh[j * hOut + k];
                            }
                            gh[j] = b;
                        }
                        if (lstm) {
                            double[] ht = new double[hidden];
                            for (int j = 0; j < hidden; j++) {
                                double ig = sigmoid(gi[j] + gh[j]);
                                double fg = sigmoid(gi[hidden + j] + gh[hidden + j]);
                                double gg = Math.tanh(gi[2 * hidden + j] + gh[2 * hidden + j]);
                                double og = sigmoid(gi[3 * hidden + j] + gh[3 * hidden + j]);
                                double cc = fg * c[n * hidden + j] + ig * gg;
                                c[n * hidden + j] = cc;
                                ht[j] = og * Math.tanh(cc);
                            }
                            for (int k = 0; k < hOut; k++) {
                                double v = 0;
                                if (proj > 0) {
                                    for (int j = 0; j < hidden; j++) {
                                        v += ht[j] * whr[k * hidden + j];
                                    }
                                } else {
                                    v = ht[k];
                                }
                                nextH[n * hOut + k] = v;
                            }
                        } else {
                            for (int j = 0; j < hidden; j++) {
                                double r = sigmoid(gi[j] + gh[j]);
                                double z = sigmoid(gi[hidden + j] + gh[hidden + j]);
                                double hn;
                                if (gruResetBefore) {
                                    hn = bhh[2 * hidden + j];
                                    for (int k = 0; k < hidden; k++) {
                                        double rk = sigmoid(gi[k] + gh[k]);
                                        hn += rk * h[n * hidden + k] * whh[(2 * hidden + j) * hidden + k];
                                    }
                                    hn = Math.tanh(gi[2 * hidden + j] + hn);
                                } else {
                                    hn = Math.tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j]);
                                }
                                nextH[n * hidden + j] = (1 - z) * hn + z * h[n * hidden + j];
                            }
                        }
                    }
                    h = nextH;
                    for (int n = 0; n < batch; n++) {
                        System.arraycopy(h, n * hOut, out, (t * batch + n) * dirs * hOut + d * hOut, hOut);
                    }
                }
                System.arraycopy(h, 0, hN, grp * batch * hOut, batch * hOut);
                if (lstm) {
                    System.arraycopy(c, 0, cN, grp * batch * hidden, batch * hidden);
                }
            }
            if (dropMul != null && layer < layers - 1) {
                double[] dropped = new double[out.length];
                for (int i = 0; i < out.length; i++) {
                    dropped[i] = out[i] * dropMul[layer][i];
                }
                in = dropped;
            } else {
                in = out;
            }
        }
        return new GatedReference(in, hN, cN);
    }

    /** {@code Σ output⊙gOut + Σ h_n⊙gH (+ Σ c_n⊙gC)}. */
    double loss(double[] gOut, double[] gH, double[] gC) {
        double s = dot(output, gOut) + dot(hN, gH);
        return cN == null ? s : s + dot(cN, gC);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
